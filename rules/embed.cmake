# Turns rules/builtin.rules into a C++ source so that the library carries its built-in rules.
file(READ "${INPUT}" text)
set(delimiter "trawl_rules")
file(WRITE "${OUTPUT}" "// Generated from rules/builtin.rules by rules/embed.cmake: do not edit.\nnamespace trawl::detail {\nextern const char* const builtin_rules_text;\nconst char* const builtin_rules_text = R\"${delimiter}(${text})${delimiter}\";\n}  // namespace trawl::detail\n")
