# Every third-party library comes from Debian 12's packages
# (installer/setup-deps.sh installs them).

find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

# Engine: no Qt.
pkg_check_modules(OPENBLAS REQUIRED IMPORTED_TARGET openblas)
pkg_check_modules(SENTENCEPIECE REQUIRED IMPORTED_TARGET sentencepiece)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
find_package(nlohmann_json 3.10 REQUIRED)

# Storage.
find_package(SQLite3 REQUIRED)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)

# Ingest, app, ui, tests.
find_package(Qt6 6.4 REQUIRED COMPONENTS Core Gui Widgets Concurrent Test)
pkg_check_modules(POPPLER_QT6 REQUIRED IMPORTED_TARGET poppler-qt6)
