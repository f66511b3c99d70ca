# An unknown tunable.
sysctl vm.no_such_knob=1
