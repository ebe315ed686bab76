# Embeds the Kiln-managed component documents (catalog/*.yml) into kiln_api
# as byte arrays: one generated source, catalog_data.cc, defining
# kiln_catalog_entries[] (see src/api/catalog.h).
file(GLOB KILN_CATALOG_YML CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.yml)
set(KILN_CATALOG_CC ${CMAKE_CURRENT_BINARY_DIR}/catalog_data.cc)
add_custom_command(
  OUTPUT ${KILN_CATALOG_CC}
  COMMAND ${CMAKE_COMMAND} -DOUT=${KILN_CATALOG_CC} -DDIR=${CMAKE_CURRENT_LIST_DIR}
          -P ${CMAKE_CURRENT_LIST_DIR}/embed_catalog.cmake
  DEPENDS ${KILN_CATALOG_YML} ${CMAKE_CURRENT_LIST_DIR}/embed_catalog.cmake
  COMMENT "Embedding the Kiln-managed component catalogue"
  VERBATIM)
target_sources(kiln_api PRIVATE ${KILN_CATALOG_CC})
