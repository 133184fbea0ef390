#!/bin/sh
# Writes a C file that holds the Lua scripts given as arguments, in the
# order of enum script_id (core/effect.h), as string constants.
set -eu
echo "/* Generated from core/lua/ by core/lua/embed.sh: do not edit. */"
echo "#include \"effect.h\""
names=""
n=0
for file in "$@"; do
	echo "static const char script_$n[] ="
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t"/' -e 's/$/\\n"/' "$file"
	echo "\t;"
	names="$names \"$(basename "$file")\","
	n=$((n + 1))
done
printf 'const char *const flashsim_script_sources[SCRIPT_COUNT] = {'
i=0
while [ $i -lt $n ]; do printf ' script_%d,' $i; i=$((i + 1)); done
echo ' };'
echo "const char *const flashsim_script_names[SCRIPT_COUNT] = {$names };"
