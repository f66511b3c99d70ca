# echo has no result to store.
echo "x" -> $v
