# debug: print the state every 3 s to the console
(
	n=0
	while :; do
		sleep 3
		n=$((n + 3))
		{
			echo "WATCH $n s: load $(cat /proc/loadavg)"
			vmmctl list 2>&1 | sed 's/^/WATCH   /'
			for p in /proc/[0-9]*; do
				c=$(cat $p/comm 2>/dev/null) || continue
				case "$c" in pvhv-*) echo "WATCH   $c $(awk '{print $3, "cpu", $39, "utime", $14, "stime", $15}' $p/stat) wchan $(cat $p/wchan)";; esac
			done
			dmesg | grep -a "crashed:" | sed "s/^/WATCH   dmesg /"
		} >/dev/console 2>&1
	done
) &
ok "watcher started"
