# SPDX-License-Identifier: GPL-2.0-only
# Settings of the bochs boot, sourced before the test files (see plan). bochs
# runs the guest kernel about 6x slower than wall time on one CPU: long
# guest-timed runs are shortened here, never turned into passes.

# The event storm (45-storm.sh): 8 vCPUs on one CPU, 10 guest seconds.
STORM_SECS=10
diag "bochs: event storm shortened to ${STORM_SECS} s"
