# The closing quote is missing.
echo "hello
