# Every third-party library, found from Debian's packages and wrapped as st::<name>,
# so call sites do not care how it was found.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(fmt REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(CLI11 REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(ZLIB REQUIRED)
find_package(zstd CONFIG REQUIRED)
find_package(tl-expected CONFIG REQUIRED)
find_package(tomlplusplus 3 CONFIG REQUIRED)
pkg_check_modules(VTERM REQUIRED IMPORTED_TARGET vterm)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
find_package(SQLite3 REQUIRED)

function(st_alias name target)
  add_library(st::${name} INTERFACE IMPORTED GLOBAL)
  target_link_libraries(st::${name} INTERFACE ${target})
endfunction()

# The recorder must stay small in memory (issue: at most 6 MiB resident). Shared libstdc++ and
# libcrypto cost about 1.5 MB each in relocated and initialised pages, so by default the
# executables link Debian's static archives and only pull in what they use; fmt is used
# header-only for the same reason (Debian ships no libfmt.a). Sanitizer builds stay dynamic.
if(ST_STATIC_DEPS AND NOT ST_SANITIZE)
  find_library(ST_CRYPTO_ARCHIVE NAMES libcrypto.a REQUIRED)
  find_library(ST_ZSTD_ARCHIVE NAMES libzstd.a REQUIRED)
  find_library(ST_Z_ARCHIVE NAMES libz.a REQUIRED)
  find_library(ST_VTERM_ARCHIVE NAMES libvterm.a REQUIRED)
  st_alias(fmt fmt::fmt-header-only)
  st_alias(crypto "${ST_CRYPTO_ARCHIVE};${CMAKE_DL_LIBS};Threads::Threads")
  st_alias(zstd "${ST_ZSTD_ARCHIVE}")
  st_alias(zlib "${ST_Z_ARCHIVE}")
  st_alias(vterm "${ST_VTERM_ARCHIVE}")
  find_library(ST_SODIUM_ARCHIVE NAMES libsodium.a REQUIRED)
  st_alias(sodium "${ST_SODIUM_ARCHIVE};Threads::Threads")
  find_library(ST_SQLITE_ARCHIVE NAMES libsqlite3.a REQUIRED)
  st_alias(sqlite "${ST_SQLITE_ARCHIVE};${CMAKE_DL_LIBS};Threads::Threads;m")
  target_include_directories(st::vterm INTERFACE ${VTERM_INCLUDE_DIRS})
  add_link_options($<$<LINK_LANGUAGE:CXX>:-static-libstdc++> $<$<LINK_LANGUAGE:CXX>:-static-libgcc>)
else()
  st_alias(fmt fmt::fmt)
  st_alias(crypto OpenSSL::Crypto)
  st_alias(zlib ZLIB::ZLIB)
  st_alias(vterm PkgConfig::VTERM)
  st_alias(sodium PkgConfig::SODIUM)
  st_alias(sqlite SQLite::SQLite3)
  if(TARGET zstd::libzstd_shared)
    st_alias(zstd zstd::libzstd_shared)
  else()
    st_alias(zstd zstd::libzstd_static)
  endif()
endif()
st_alias(json nlohmann_json::nlohmann_json)
st_alias(cli11 CLI11::CLI11)
st_alias(expected tl::expected)
st_alias(threads Threads::Threads)

# toml++ is used header-only, with exceptions off, and never through Debian's
# tomlplusplus::tomlplusplus: that target links libtomlplusplus.so, which is built with
# exceptions and puts its parser in a different ABI namespace (toml::v3::ex), so TOML_EXCEPTIONS=0
# would not link against it. Header-only also keeps the executables free of one more shared
# library. Only src/config includes it (its parse_result API turns errors into values).
get_target_property(ST_TOMLPP_INCLUDE_DIRS tomlplusplus::tomlplusplus INTERFACE_INCLUDE_DIRECTORIES)
add_library(st_tomlplusplus_header_only INTERFACE)
target_include_directories(st_tomlplusplus_header_only SYSTEM INTERFACE ${ST_TOMLPP_INCLUDE_DIRS})
target_compile_definitions(st_tomlplusplus_header_only INTERFACE
  TOML_HEADER_ONLY=1 TOML_EXCEPTIONS=0 TOML_ENABLE_FORMATTERS=0)
st_alias(tomlplusplus st_tomlplusplus_header_only)
