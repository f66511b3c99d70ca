# embed_examples.cmake - turn examples/NAME.mms into a C table for `mmsim demo`.
# Run with: cmake -DOUT=file.c -DDIR=examples -P embed_examples.cmake
# Each example becomes { "name", "text" }, so the demo tells exactly the
# stories the tests check (every example is also a CTest test).
set(body "/* Generated from examples/NAME.mms by cmake/embed_examples.cmake: do not edit. */\n")
string(APPEND body "#include <stddef.h>\n\nstruct demo_example { const char *name; const char *text; };\n\n")
string(APPEND body "const struct demo_example demo_examples[] = {\n")
file(GLOB FILES ${DIR}/*.mms)
list(SORT FILES)
foreach(f ${FILES})
  get_filename_component(name ${f} NAME_WE)
  file(READ ${f} hex HEX)
  string(REGEX REPLACE "(..)" "\\\\x\\1" esc "${hex}")
  string(APPEND body "\t{ \"${name}\", \"${esc}\" },\n")
endforeach()
string(APPEND body "\t{ NULL, NULL },\n};\n")
file(WRITE ${OUT} "${body}")
