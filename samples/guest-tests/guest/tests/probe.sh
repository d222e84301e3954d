# probe: the guest booted and runs its init (used to check that an accelerator works).
. /vfu4j/tests/lib.sh
result probe.ok 1
