# A process cannot take the name of a view: paths like ps.A would be ambiguous.
spawn ps
