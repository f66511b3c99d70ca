# More RAM than mmsim boots (a host cap: boot cost grows with ram).
machine ram=257G
