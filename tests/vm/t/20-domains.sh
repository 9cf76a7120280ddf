# SPDX-License-Identifier: GPL-2.0-only
# Domains: create, list, mmap, destroy, errors, permissions.

check_out "create a (64 MiB)" "^created domain [0-9]+ \(a\)$" vmmctl create --name a --memory 64M
check_out "create b (128 MiB, 2 vCPUs)" "^created domain [0-9]+ \(b\)$" \
	vmmctl create --name b --memory 128 --vcpus 2
check_out "create c (32 MiB)" "^created domain [0-9]+ \(c\)$" vmmctl create --name c --memory 32M
vmmctl list >/tmp/list 2>&1
diag "$(cat /tmp/list)"
check "list: a, 64 MiB, 1 vCPU, created" grep -qE '^a +[0-9]+ +64 +1  created$' /tmp/list
check "list: b, 128 MiB, 2 vCPUs" grep -qE '^b +[0-9]+ +128 +2  created$' /tmp/list
check "list: c, 32 MiB" grep -qE '^c +[0-9]+ +32 +1  created$' /tmp/list
check_out "list: exactly 3 domains" "^3$" sh -c "tail -n +2 /tmp/list | wc -l"
vmmctl list --json >/tmp/list.json 2>&1
check "list --json: a with memory_bytes 67108864" \
	grep -q '"name": "a", "memory_bytes": 67108864, "memory_mib": 64' /tmp/list.json
check "list --json: b with memory_bytes 134217728, 2 vCPUs" \
	grep -q '"name": "b", "memory_bytes": 134217728, "memory_mib": 128, "current_bytes": 134217728, "max_vcpus": 2' /tmp/list.json
check_out "list --json: 3 entries" "^3$" sh -c "grep -c domid /tmp/list.json"
id_a=$(awk '$1 == "a" {print $2}' /tmp/list)
id_b=$(awk '$1 == "b" {print $2}' /tmp/list)
check_out "domids are Xen-style (1..32751)" "^ok$" \
	sh -c "[ '$id_a' -ge 1 ] && [ '$id_b' -le 32751 ] && [ '$id_a' != '$id_b' ] && echo ok"

check_helper "mmap" pvhv-test mmap "$id_b"
check_helper "badinput" pvhv-test badinput
check_helper "lifetime" pvhv-test lifetime

check_fail "create: duplicate name" "already exists" vmmctl create --name a --memory 1M
check_fail "create: memory 0" "greater than 0" vmmctl create --name z --memory 0
check_fail "create: memory over the per-domain limit" "exceeds the per-domain limit" \
	vmmctl create --name z --memory 100G
check_fail "create: memory over the module-wide limit" "not enough memory" \
	vmmctl create --name z --memory 4000M
check_fail "create: no name" "name is required" vmmctl create --memory 1M
check_fail "create: bad name" "invalid domain name" vmmctl create --name 'x/y' --memory 1M
check_fail "create: too many vCPUs" "exceed the limit" vmmctl create --name z --memory 1M --vcpus 4000
check_fail "destroy: unknown domid" "no such domain: '31999'" vmmctl destroy 31999
check_fail "destroy: unknown name" "no such domain: 'nosuch'" vmmctl destroy nosuch
check_fail "destroy: no argument" "which domain" vmmctl destroy

check_fail "open as a user without the group: EACCES" "Permission denied" \
	pvhv-test run-as 65534 65534 pvhv-test stats
check_fail "vmmctl as a user without the group: clear error" "permission denied on /dev/pvhv" \
	pvhv-test run-as 65534 65534 vmmctl list
check_out "a user in group pvhv may use /dev/pvhv" "^c +" \
	pvhv-test run-as 1000 1000,990 vmmctl list

check_out "destroy by name" "^destroyed domain $id_a$" vmmctl destroy a
check_out "destroy by id" "^destroyed domain $id_b$" vmmctl destroy "$id_b"
check_out "list: only c is left" "^1$" sh -c "vmmctl list | tail -n +2 | wc -l"
check "destroy c" vmmctl destroy c
check_out "counters back to the idle baseline ($STATS_IDLE)" "^$STATS_IDLE$" pvhv-test stats
