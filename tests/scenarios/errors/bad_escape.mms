# C escapes only.
echo "a\qb"
