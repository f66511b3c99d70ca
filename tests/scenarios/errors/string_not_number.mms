# A quoted string is not a number.
tick "5"
