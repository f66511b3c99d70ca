# ... and at most 64.
machine cpus=65
