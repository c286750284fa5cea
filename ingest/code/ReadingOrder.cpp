#include "ingest/code/ReadingOrder.h"

#include "ingest/code/Language.h"

#include <QRegularExpression>
#include <QSet>

namespace lv::ingest {

namespace {

bool isBuildFile(const QString& base, const QString& language) {
    static const QSet<QString> names = {
        QStringLiteral("cmakelists.txt"),
        QStringLiteral("cmakepresets.json"),
        QStringLiteral("makefile"),
        QStringLiteral("gnumakefile"),
        QStringLiteral("makefile.am"),
        QStringLiteral("configure.ac"),
        QStringLiteral("meson.build"),
        QStringLiteral("meson_options.txt"),
        QStringLiteral("build"),
        QStringLiteral("build.bazel"),
        QStringLiteral("workspace"),
        QStringLiteral("module.bazel"),
        QStringLiteral("package.json"),
        QStringLiteral("tsconfig.json"),
        QStringLiteral("cargo.toml"),
        QStringLiteral("go.mod"),
        QStringLiteral("pyproject.toml"),
        QStringLiteral("setup.py"),
        QStringLiteral("setup.cfg"),
        QStringLiteral("pipfile"),
        QStringLiteral("pom.xml"),
        QStringLiteral("build.gradle"),
        QStringLiteral("build.gradle.kts"),
        QStringLiteral("settings.gradle"),
        QStringLiteral("gemfile"),
        QStringLiteral("rakefile"),
        QStringLiteral("dockerfile"),
        QStringLiteral("docker-compose.yml"),
        QStringLiteral("sconstruct"),
        QStringLiteral("vcpkg.json"),
        QStringLiteral("conanfile.txt"),
        QStringLiteral("conanfile.py"),
        QStringLiteral("flake.nix"),
        QStringLiteral("default.nix"),
        QStringLiteral("build.zig"),
        QStringLiteral("deno.json"),
    };
    if (names.contains(base)) return true;
    if (base.startsWith(QLatin1String("requirements")) && base.endsWith(QLatin1String(".txt")))
        return true;
    static const QStringList buildLanguages = {
        QStringLiteral("CMake"),     QStringLiteral("Make"),     QStringLiteral("Meson"),
        QStringLiteral("Bazel"),     QStringLiteral("Autoconf"), QStringLiteral("Qt project"),
        QStringLiteral("Dockerfile")};
    if (buildLanguages.contains(language)) return true;
    return base.endsWith(QLatin1String(".gemspec")) || base.endsWith(QLatin1String(".csproj")) ||
           base.endsWith(QLatin1String(".sln"));
}

bool isTestPath(const QString& lowerPath, const QString& base) {
    static const QRegularExpression dirs(
        QStringLiteral(R"((?:^|/)(?:tests?|testing|spec|specs|__tests__|autotests|t)/)"));
    if (dirs.match(lowerPath).hasMatch()) return true;
    static const QRegularExpression names(
        QStringLiteral(R"(^(?:test_.*|tst_.*|.*_test\.[^.]+|.*\.(?:test|spec)\.[^.]+)$)"));
    return names.match(base).hasMatch();
}

bool isDocumentationName(const QString& stem) {
    static const QSet<QString> names = {
        QStringLiteral("contributing"), QStringLiteral("changelog"),    QStringLiteral("changes"),
        QStringLiteral("news"),         QStringLiteral("authors"),      QStringLiteral("install"),
        QStringLiteral("hacking"),      QStringLiteral("architecture"), QStringLiteral("history"),
    };
    return names.contains(stem);
}

// Headers sort before the sources that share their name.
int extensionRank(const QString& base) {
    static const QSet<QString> headers = {
        QStringLiteral("h"),   QStringLiteral("hh"),  QStringLiteral("hpp"), QStringLiteral("hxx"),
        QStringLiteral("h++"), QStringLiteral("cuh"), QStringLiteral("inl"), QStringLiteral("pyi")};
    const qsizetype dot = base.lastIndexOf(QLatin1Char('.'));
    return dot > 0 && headers.contains(base.mid(dot + 1)) ? 0 : 1;
}

} // namespace

FileCategory categoryOf(const QString& path, const QString& language) {
    const QString lower = path.toLower();
    const qsizetype slash = lower.lastIndexOf(QLatin1Char('/'));
    const QString base = slash < 0 ? lower : lower.mid(slash + 1);
    const qsizetype dot = base.indexOf(QLatin1Char('.'));
    const QString stem = dot > 0 ? base.left(dot) : base;
    if (stem == QLatin1String("readme")) return FileCategory::Readme;
    static const QRegularExpression docDirs(QStringLiteral(R"((?:^|/)(?:docs?|documentation)/)"));
    const bool license = stem == QLatin1String("license") || stem == QLatin1String("copying");
    const bool markup = isProseLanguage(language) && language != QLatin1String("Text");
    if (!license && (isDocumentationName(stem) || markup ||
                     (docDirs.match(lower).hasMatch() && isProseLanguage(language))))
        return FileCategory::Documentation;
    if (isBuildFile(base, language) || lower.startsWith(QLatin1String(".github/workflows/")))
        return FileCategory::Build;
    if (language == QLatin1String("Text") || license) return FileCategory::Other;
    if (isTestPath(lower, base)) return FileCategory::Test;
    static const QSet<QString> data = {QStringLiteral("JSON"), QStringLiteral("YAML"),
                                       QStringLiteral("TOML"), QStringLiteral("INI"),
                                       QStringLiteral("CSV"),  QStringLiteral("XML")};
    if (data.contains(language)) return FileCategory::Other;
    return FileCategory::Source;
}

QString readingOrderKey(const QString& path, const QString& language) {
    const FileCategory category = categoryOf(path, language);
    const qsizetype slash = path.lastIndexOf(QLatin1Char('/'));
    const QString dir = slash < 0 ? QString() : path.left(slash);
    const QString base = slash < 0 ? path : path.mid(slash + 1);
    const int depth = static_cast<int>(path.count(QLatin1Char('/')));
    const qsizetype dot = base.lastIndexOf(QLatin1Char('.'));
    const QString stem = dot > 0 ? base.left(dot) : base;
    // '\x01' separates fields and sorts before every printable character, so a
    // directory's own files come before its subdirectories' ("src" < "src/a").
    const QChar sep(0x01);
    QString key = QString::number(static_cast<int>(category));
    key += sep;
    if (category == FileCategory::Readme || category == FileCategory::Build)
        key += QString::number(depth).rightJustified(3, QLatin1Char('0')) + sep;
    key += dir + sep + stem.toLower() + sep + QString::number(extensionRank(base)) + sep + base;
    return key;
}

} // namespace lv::ingest
