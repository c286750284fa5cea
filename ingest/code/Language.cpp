#include "ingest/code/Language.h"

#include <QHash>

namespace lv::ingest {

namespace {

const QHash<QString, QString>& byExtension() {
    static const QHash<QString, QString> map = [] {
        QHash<QString, QString> m;
        auto add = [&m](const char* lang, std::initializer_list<const char*> exts) {
            for (const char* e : exts)
                m.insert(QString::fromLatin1(e), QString::fromLatin1(lang));
        };
        add("C", {"c"});
        add("C/C++ header", {"h"});
        add("C++",
            {"cc", "cpp", "cxx", "c++", "hh", "hpp", "hxx", "h++", "inl", "ipp", "tpp", "ixx"});
        add("CUDA", {"cu", "cuh"});
        add("Objective-C", {"m", "mm"});
        add("C#", {"cs"});
        add("Java", {"java"});
        add("Kotlin", {"kt", "kts"});
        add("Scala", {"scala", "sc"});
        add("Groovy", {"groovy", "gradle"});
        add("Go", {"go"});
        add("Rust", {"rs"});
        add("Swift", {"swift"});
        add("Python", {"py", "pyi", "pyx", "pxd"});
        add("Ruby", {"rb", "rake", "gemspec"});
        add("Perl", {"pl", "pm", "t"});
        add("PHP", {"php"});
        add("Lua", {"lua"});
        add("R", {"r"});
        add("Julia", {"jl"});
        add("Haskell", {"hs", "lhs"});
        add("OCaml", {"ml", "mli"});
        add("Elixir", {"ex", "exs"});
        add("Erlang", {"erl", "hrl"});
        add("Clojure", {"clj", "cljs", "cljc", "edn"});
        add("Lisp", {"lisp", "el", "scm", "ss", "rkt"});
        add("Dart", {"dart"});
        add("Zig", {"zig"});
        add("Nim", {"nim"});
        add("Fortran", {"f", "f90", "f95", "f03", "for"});
        add("Assembly", {"s", "asm"});
        add("JavaScript", {"js", "mjs", "cjs", "jsx"});
        add("TypeScript", {"ts", "tsx", "mts", "cts"});
        add("Vue", {"vue"});
        add("Svelte", {"svelte"});
        add("HTML", {"html", "htm", "xhtml"});
        add("CSS", {"css", "scss", "sass", "less"});
        add("JSON", {"json", "jsonc", "json5"});
        add("YAML", {"yaml", "yml"});
        add("TOML", {"toml"});
        add("INI", {"ini", "cfg", "conf", "properties"});
        add("XML", {"xml", "xsd", "xsl", "xslt", "svg", "plist", "ui", "qrc", "ts.xml"});
        add("SQL", {"sql"});
        add("Shell", {"sh", "bash", "zsh", "ksh", "fish"});
        add("PowerShell", {"ps1", "psm1"});
        add("Batch", {"bat", "cmd"});
        add("CMake", {"cmake"});
        add("Make", {"mk", "mak"});
        add("Meson", {"meson"});
        add("Bazel", {"bzl", "bazel"});
        add("Nix", {"nix"});
        add("Dockerfile", {"dockerfile"});
        add("Protocol Buffers", {"proto"});
        add("GraphQL", {"graphql", "gql"});
        add("GLSL", {"glsl", "vert", "frag", "comp", "geom"});
        add("QML", {"qml"});
        add("Qt project", {"pro", "pri", "qbs"});
        add("Tcl", {"tcl"});
        add("Verilog", {"v", "sv", "svh"});
        add("VHDL", {"vhd", "vhdl"});
        add("TeX", {"tex", "sty", "cls", "bib"});
        add("Markdown", {"md", "markdown", "mdown", "mkd"});
        add("reStructuredText", {"rst"});
        add("AsciiDoc", {"adoc", "asciidoc"});
        add("Org", {"org"});
        add("Text", {"txt", "text"});
        add("CSV", {"csv", "tsv"});
        add("Diff", {"diff", "patch"});
        add("Roff", {"1", "2", "3", "4", "5", "6", "7", "8", "man"});
        return m;
    }();
    return map;
}

const QHash<QString, QString>& byName() {
    static const QHash<QString, QString> map = {
        {QStringLiteral("cmakelists.txt"), QStringLiteral("CMake")},
        {QStringLiteral("makefile"), QStringLiteral("Make")},
        {QStringLiteral("gnumakefile"), QStringLiteral("Make")},
        {QStringLiteral("makefile.am"), QStringLiteral("Make")},
        {QStringLiteral("makefile.in"), QStringLiteral("Make")},
        {QStringLiteral("meson.build"), QStringLiteral("Meson")},
        {QStringLiteral("meson_options.txt"), QStringLiteral("Meson")},
        {QStringLiteral("dockerfile"), QStringLiteral("Dockerfile")},
        {QStringLiteral("containerfile"), QStringLiteral("Dockerfile")},
        {QStringLiteral("build"), QStringLiteral("Bazel")},
        {QStringLiteral("workspace"), QStringLiteral("Bazel")},
        {QStringLiteral("rakefile"), QStringLiteral("Ruby")},
        {QStringLiteral("gemfile"), QStringLiteral("Ruby")},
        {QStringLiteral("vagrantfile"), QStringLiteral("Ruby")},
        {QStringLiteral("sconstruct"), QStringLiteral("Python")},
        {QStringLiteral("configure.ac"), QStringLiteral("Autoconf")},
        {QStringLiteral("configure.in"), QStringLiteral("Autoconf")},
        {QStringLiteral("kconfig"), QStringLiteral("Kconfig")},
        {QStringLiteral("jenkinsfile"), QStringLiteral("Groovy")},
    };
    return map;
}

QString languageFromShebang(QByteArrayView head) {
    if (!head.startsWith("#!")) return {};
    const qsizetype nl = head.indexOf('\n');
    const QString line = QString::fromUtf8(head.first(nl < 0 ? head.size() : nl)).mid(2);
    // "#!/bin/bash", "#!/usr/bin/env python3", "#!/usr/bin/env -S node --flag":
    // the interpreter is the first word's base name, or env's first operand.
    const QStringList words = line.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    QString interp;
    for (const QString& word : words) {
        const QString name = word.mid(word.lastIndexOf(QLatin1Char('/')) + 1);
        if (interp.isEmpty() && name == QLatin1String("env")) {
            interp = name;
            continue;
        }
        if (interp == QLatin1String("env") && name.startsWith(QLatin1Char('-'))) continue;
        interp = name;
        break;
    }
    while (!interp.isEmpty() && (interp.back().isDigit() || interp.back() == QLatin1Char('.')))
        interp.chop(1);
    static const QHash<QString, QString> interpreters = {
        {QStringLiteral("sh"), QStringLiteral("Shell")},
        {QStringLiteral("bash"), QStringLiteral("Shell")},
        {QStringLiteral("dash"), QStringLiteral("Shell")},
        {QStringLiteral("zsh"), QStringLiteral("Shell")},
        {QStringLiteral("ksh"), QStringLiteral("Shell")},
        {QStringLiteral("fish"), QStringLiteral("Shell")},
        {QStringLiteral("python"), QStringLiteral("Python")},
        {QStringLiteral("pypy"), QStringLiteral("Python")},
        {QStringLiteral("perl"), QStringLiteral("Perl")},
        {QStringLiteral("ruby"), QStringLiteral("Ruby")},
        {QStringLiteral("node"), QStringLiteral("JavaScript")},
        {QStringLiteral("nodejs"), QStringLiteral("JavaScript")},
        {QStringLiteral("deno"), QStringLiteral("TypeScript")},
        {QStringLiteral("php"), QStringLiteral("PHP")},
        {QStringLiteral("lua"), QStringLiteral("Lua")},
        {QStringLiteral("tclsh"), QStringLiteral("Tcl")},
        {QStringLiteral("awk"), QStringLiteral("Awk")},
        {QStringLiteral("gawk"), QStringLiteral("Awk")},
        {QStringLiteral("Rscript"), QStringLiteral("R")},
    };
    return interpreters.value(interp);
}

} // namespace

QString languageOf(const QString& fileName, QByteArrayView head) {
    const qsizetype slash = fileName.lastIndexOf(QLatin1Char('/'));
    const QString base = slash < 0 ? fileName : fileName.mid(slash + 1);
    const QString lower = base.toLower();
    if (const auto it = byName().constFind(lower); it != byName().constEnd()) return *it;
    if (lower.startsWith(QLatin1String("dockerfile"))) return QStringLiteral("Dockerfile");
    const qsizetype dot = lower.lastIndexOf(QLatin1Char('.'));
    if (dot > 0) {
        const QString ext = lower.mid(dot + 1);
        if (const auto it = byExtension().constFind(ext); it != byExtension().constEnd())
            return *it;
    }
    const QString shebang = languageFromShebang(head);
    if (!shebang.isEmpty()) return shebang;
    return QStringLiteral("Text");
}

bool isProseLanguage(const QString& language) {
    return language == QLatin1String("Markdown") || language == QLatin1String("reStructuredText") ||
           language == QLatin1String("AsciiDoc") || language == QLatin1String("Org") ||
           language == QLatin1String("Text");
}

LineFormat lineFormatOf(const QString& language) {
    if (language == QLatin1String("Markdown")) return LineFormat::Markdown;
    if (isProseLanguage(language)) return LineFormat::PlainText;
    return LineFormat::Code;
}

} // namespace lv::ingest
