# `cmake --install`: the client library with its headers, the generated API
# headers, the protos, a CMake package and a pkg-config file, plus the
# daemons and the CLI.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# Installed names: newsgraph::client, newsgraph::protos, newsgraph::grpc_status,
# newsgraph::file_reading, newsgraph::request_id.
set_target_properties(newsgraph_client PROPERTIES EXPORT_NAME client)
set_target_properties(newsgraph_protos PROPERTIES EXPORT_NAME protos)
set_target_properties(newsgraph_grpc_status PROPERTIES EXPORT_NAME grpc_status)
set_target_properties(newsgraph_file_reading PROPERTIES EXPORT_NAME file_reading)
set_target_properties(newsgraph_request_id PROPERTIES EXPORT_NAME request_id)

install(TARGETS newsgraph_client newsgraph_protos newsgraph_grpc_status newsgraph_file_reading
                newsgraph_request_id
        EXPORT newsgraphTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY clients/cpp/include/newsgraph DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_BINARY_DIR}/protos/gen/newsgraph/v1
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/newsgraph FILES_MATCHING PATTERN "*.h")
install(DIRECTORY protos/newsgraph DESTINATION ${CMAKE_INSTALL_DATADIR}/newsgraph/protos
        FILES_MATCHING PATTERN "*.proto")
install(TARGETS newsgraphd ingestd entityd searchd newsgraph RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES models/ner-conll2003.ngpm models/ner-conll2003.pass1.ngpm models/word-clusters.tsv models/word-paths.tsv
        DESTINATION ${CMAKE_INSTALL_DATADIR}/newsgraph/models)

install(EXPORT newsgraphTargets NAMESPACE newsgraph::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/newsgraph)
configure_package_config_file(cmake/newsgraphConfig.cmake.in
  ${PROJECT_BINARY_DIR}/newsgraphConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/newsgraph)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/newsgraphConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/newsgraphConfig.cmake
              ${PROJECT_BINARY_DIR}/newsgraphConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/newsgraph)
file(RELATIVE_PATH NEWSGRAPH_PC_PREFIX_REL "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
configure_file(cmake/newsgraph.pc.in ${PROJECT_BINARY_DIR}/newsgraph.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/newsgraph.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
