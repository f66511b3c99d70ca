# There is no such view.
show nosuchview
