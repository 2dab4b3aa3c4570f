# Builds the dashboard into one HTML document (app.css and app.js inlined, so the page loads in
# one round trip) and writes it as a C++ byte array: orc serves it from memory, fully offline.
#   cmake -DWEB_DIR=src/web -DOUTPUT=dashboard_html.cc -P EmbedDashboard.cmake
file(READ "${WEB_DIR}/index.html" html)
file(READ "${WEB_DIR}/app.css" css)
file(READ "${WEB_DIR}/app.js" js)
string(FIND "${js}" "</script" script_end)
if(NOT script_end EQUAL -1)
  message(FATAL_ERROR "app.js contains '</script', which would end the inlined script early")
endif()
set(css_tag "<link rel=\"stylesheet\" href=\"app.css\">")
set(js_tag "<script src=\"app.js\"></script>")
foreach(tag IN ITEMS css_tag js_tag)
  string(FIND "${html}" "${${tag}}" position)
  if(position EQUAL -1)
    message(FATAL_ERROR "index.html lacks ${${tag}}")
  endif()
endforeach()
string(REPLACE "${css_tag}" "<style>\n${css}</style>" html "${html}")
string(REPLACE "${js_tag}" "<script>\n${js}</script>" html "${html}")

file(WRITE "${OUTPUT}.html" "${html}")
file(READ "${OUTPUT}.html" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE "${OUTPUT}.tmp"
  "// Generated from src/web by cmake/EmbedDashboard.cmake; do not edit.\n"
  "#include \"api/dashboard_asset.h\"\n\n"
  "namespace orc {\nnamespace {\nconstexpr unsigned char kBytes[] = {\n${bytes}\n};\n}  // namespace\n\n"
  "std::string_view DashboardHtml() {\n"
  "  return {reinterpret_cast<const char*>(kBytes), ${size}};\n}\n\n}  // namespace orc\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
