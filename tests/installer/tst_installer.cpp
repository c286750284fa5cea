// The Debian package made by CPack from this build tree: its control fields, its
// file list, and the programs started from the unpacked package and an install tree.

#include "support/ProcessRun.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

using lv::test::runProcess;

namespace {

// Package names of a Depends-style field, versions and alternatives dropped:
// "libc6 (>= 2.34), libfoo1 | libbar1" -> {libc6, libfoo1, libbar1}.
QStringList packageNames(const QString& field) {
    QStringList names;
    for (const QString& clause : field.split(QLatin1Char(','), Qt::SkipEmptyParts))
        for (const QString& alternative : clause.split(QLatin1Char('|'), Qt::SkipEmptyParts))
            names << alternative.trimmed()
                         .section(QLatin1Char(' '), 0, 0)
                         .section(QLatin1Char(':'), 0, 0);
    return names;
}

// The clause of a Depends-style field that names `package`, e.g. "libqt6core6 (>= 6.4.0)".
QString clauseFor(const QString& field, const QString& package) {
    for (const QString& clause : field.split(QLatin1Char(','), Qt::SkipEmptyParts))
        if (packageNames(clause).contains(package)) return clause.trimmed();
    return {};
}

// An isolated environment for the installed programs: their library, settings and
// caches land in `home`, and the build tree's libraries are nowhere on the path.
QProcessEnvironment isolatedEnvironment(const QString& home) {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char* dir : {"config", "data", "cache", "runtime"})
        QDir().mkpath(home + QLatin1Char('/') + QLatin1String(dir));
    QFile::setPermissions(home + QStringLiteral("/runtime"),
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    env.insert(QStringLiteral("HOME"), home);
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), home + QStringLiteral("/config"));
    env.insert(QStringLiteral("XDG_DATA_HOME"), home + QStringLiteral("/data"));
    env.insert(QStringLiteral("XDG_CACHE_HOME"), home + QStringLiteral("/cache"));
    env.insert(QStringLiteral("XDG_RUNTIME_DIR"), home + QStringLiteral("/runtime"));
    env.insert(QStringLiteral("LONGVIEW_DB"), home + QStringLiteral("/library.db"));
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.remove(QStringLiteral("LD_LIBRARY_PATH"));
    return env;
}

const QString kGpl3 = QStringLiteral("/usr/share/common-licenses/GPL-3");

// How an option is written in roff: "--max-tokens" is "\-\-max\-tokens".
QString roffOption(const QString& name) {
    return QStringLiteral("\\-\\-") +
           QString(name).replace(QLatin1Char('-'), QStringLiteral("\\-"));
}

// The text of one section of a man page: from its heading line (".SH OPTIONS",
// ".SS ingest") to the next heading.
QString manSection(const QString& page, const QString& heading) {
    const int start = page.indexOf(QLatin1Char('\n') + heading + QLatin1Char('\n'));
    if (start < 0) return {};
    static const QRegularExpression next(QStringLiteral("\n\\.S[HS] "));
    const int end = page.indexOf(next, start + 1);
    return page.mid(start, end < 0 ? -1 : end - start);
}

// Whether a man page section has an entry (a .B/.BI/.BR line, after a one-letter
// alias or not) for an option.
bool hasOptionEntry(const QString& section, const QString& option) {
    const QRegularExpression entry(QStringLiteral("^\\.B[IR]? (?:\\\\-[A-Za-z] \", \" )?") +
                                       QRegularExpression::escape(roffOption(option)) +
                                       QStringLiteral("(?=[\\s\"]|$)"),
                                   QRegularExpression::MultilineOption);
    return entry.match(section).hasMatch();
}

// The options a --help text lists, one per line: "  --db FILE  ..." or
// "  -v, --version  ...", without the dashes.
QStringList helpOptions(const QString& help) {
    static const QRegularExpression option(QStringLiteral("^\\s+(?:-[A-Za-z], )?--([a-z0-9-]+)"),
                                           QRegularExpression::MultilineOption);
    QStringList names;
    for (auto it = option.globalMatch(help); it.hasNext();)
        names << it.next().captured(1);
    return names;
}

// man-db's own rendering check, as lintian runs it: the warnings groff prints.
lv::test::ProcessRun manWarnings(const QString& page, QProcessEnvironment env) {
    env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C.UTF-8"));
    env.insert(QStringLiteral("MANROFFSEQ"), QString());
    env.insert(QStringLiteral("MANWIDTH"), QStringLiteral("80"));
    return runProcess(QStringLiteral("man"),
                      {QStringLiteral("--warnings"), QStringLiteral("-E"), QStringLiteral("UTF-8"),
                       QStringLiteral("-l"), QStringLiteral("-Tutf8"), QStringLiteral("-Z"), page},
                      env);
}

} // namespace

class InstallerTest : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_deb;
    QString m_root; // the package unpacked with dpkg-deb -x
    QString m_arch;
    QMap<QString, QString> m_fields;

    QString unpacked(const QString& path) const { return m_root + path; }

private slots:
    void initTestCase() {
        QVERIFY(m_tmp.isValid());
        const auto arch =
            runProcess(QStringLiteral("dpkg"), {QStringLiteral("--print-architecture")});
        QVERIFY2(arch.ok(), qPrintable(arch.describe()));
        m_arch = arch.out.trimmed();

        // cpack installs this build tree's install rules into a staging folder and
        // packs it; it builds nothing, so the test depends on the packaged targets.
        const QString out = m_tmp.filePath(QStringLiteral("package"));
        const auto cpack = runProcess(
            QStringLiteral(LONGVIEW_CPACK),
            {QStringLiteral("-G"), QStringLiteral("DEB"), QStringLiteral("--config"),
             QStringLiteral(LONGVIEW_BINARY_DIR "/CPackConfig.cmake"), QStringLiteral("-B"), out},
            QProcessEnvironment::systemEnvironment(), 300000);
        QVERIFY2(cpack.ok(), qPrintable(cpack.describe()));
        const QStringList debs = QDir(out).entryList({QStringLiteral("*.deb")}, QDir::Files);
        QCOMPARE(debs, QStringList{QStringLiteral("longview_" LONGVIEW_VERSION "_") + m_arch +
                                   QStringLiteral(".deb")});
        m_deb = QDir(out).filePath(debs.first());

        m_root = m_tmp.filePath(QStringLiteral("root"));
        const auto unpack =
            runProcess(QStringLiteral("dpkg-deb"), {QStringLiteral("-x"), m_deb, m_root});
        QVERIFY2(unpack.ok(), qPrintable(unpack.describe()));

        const auto fields = runProcess(QStringLiteral("dpkg-deb"), {QStringLiteral("-f"), m_deb});
        QVERIFY2(fields.ok(), qPrintable(fields.describe()));
        QString last;
        for (const QString& line : fields.out.split(QLatin1Char('\n'))) {
            if (line.startsWith(QLatin1Char(' ')) && !last.isEmpty()) {
                m_fields[last] += QLatin1Char('\n') + line;
            } else if (const int colon = line.indexOf(QLatin1Char(':')); colon > 0) {
                last = line.left(colon);
                m_fields[last] = line.mid(colon + 1).trimmed();
            }
        }
    }

    void controlFieldsNameThePackage() {
        QCOMPARE(m_fields.value(QStringLiteral("Package")), QStringLiteral("longview"));
        QCOMPARE(m_fields.value(QStringLiteral("Version")), QStringLiteral(LONGVIEW_VERSION));
        QCOMPARE(m_fields.value(QStringLiteral("Architecture")), m_arch);
        QVERIFY(m_fields.value(QStringLiteral("Maintainer")).contains(QLatin1Char('@')));
        QCOMPARE(m_fields.value(QStringLiteral("Section")), QStringLiteral("utils"));
        QVERIFY(m_fields.value(QStringLiteral("Homepage")).startsWith(QStringLiteral("https://")));
        QVERIFY(m_fields.value(QStringLiteral("Installed-Size")).toLongLong() > 0);
        const QString description = m_fields.value(QStringLiteral("Description"));
        QVERIFY2(description.contains(QStringLiteral("longview-cli")), qPrintable(description));
        // A CUDA build's package needs NVIDIA's runtime, which no Debian package
        // provides: the description must say so.
        QCOMPARE(description.contains(QStringLiteral("CUDA")), bool(LONGVIEW_PACKAGED_CUDA));
    }

    void dependsOnTheDebianRuntimeLibraries() {
        const QString depends = m_fields.value(QStringLiteral("Depends"));
        const QStringList names = packageNames(depends);
        QStringList required = {
            QStringLiteral("libc6"),        QStringLiteral("libstdc++6"),
            QStringLiteral("libqt6core6"),  QStringLiteral("libpoppler-qt6-3"),
            QStringLiteral("libsqlite3-0"), QStringLiteral("libzstd1"),
            QStringLiteral("libxxhash0"),   QStringLiteral("libsentencepiece0"),
            QStringLiteral("libpcre2-8-0"), QStringLiteral("libopenblas0"),
        };
        if (LONGVIEW_PACKAGED_GUI)
            required << QStringLiteral("libqt6gui6") << QStringLiteral("libqt6widgets6")
                     << QStringLiteral("libqt6svg6");
        for (const QString& package : required)
            QVERIFY2(names.contains(package),
                     qPrintable(package + QStringLiteral(" missing from Depends: ") + depends));
        // dpkg-shlibdeps states the lowest library versions the binaries need.
        for (const QString& package : {QStringLiteral("libc6"), QStringLiteral("libqt6core6"),
                                       QStringLiteral("libsqlite3-0")})
            QVERIFY2(clauseFor(depends, package).contains(QStringLiteral("(>= ")),
                     qPrintable(clauseFor(depends, package)));
        for (const QString& name : names)
            QVERIFY2(!name.endsWith(QStringLiteral("-dev")) &&
                         !name.contains(QStringLiteral("cuda")),
                     qPrintable(name));

        const QStringList recommends = packageNames(m_fields.value(QStringLiteral("Recommends")));
        for (const QString& tool : {QStringLiteral("tesseract-ocr"), QStringLiteral("git")})
            QVERIFY2(recommends.contains(tool),
                     qPrintable(m_fields.value(QStringLiteral("Recommends"))));
        QVERIFY(!names.contains(QStringLiteral("tesseract-ocr")));
        QVERIFY(!names.contains(QStringLiteral("poppler-utils")));
    }

    void fileListHoldsTheProgramsAndTheirDesktopIntegration() {
        const auto listing = runProcess(QStringLiteral("dpkg-deb"), {QStringLiteral("-c"), m_deb});
        QVERIFY2(listing.ok(), qPrintable(listing.describe()));
        QMap<QString, QString> modes; // path without the leading "." -> permission string
        for (const QString& line : listing.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
            const QStringList cols = line.split(QLatin1Char(' '), Qt::SkipEmptyParts);
            QVERIFY2(cols.size() >= 6, qPrintable(line));
            QCOMPARE(cols.at(1), QStringLiteral("root/root"));
            QString path = cols.at(5);
            QVERIFY2(path.startsWith(QStringLiteral("./")), qPrintable(line));
            path.remove(0, 1);
            if (path.endsWith(QLatin1Char('/')) && path != QStringLiteral("/")) path.chop(1);
            // Everything under /usr: nothing in /etc, /opt or /usr/local, no headers
            // or static libraries of the project's private modules.
            QVERIFY2(path == QStringLiteral("/") || path == QStringLiteral("/usr") ||
                         path.startsWith(QStringLiteral("/usr/bin")) ||
                         path.startsWith(QStringLiteral("/usr/share")),
                     qPrintable(line));
            modes.insert(path, cols.at(0));
        }

        QStringList expected = {QStringLiteral("/usr/bin/longview-cli"),
                                QStringLiteral("/usr/share/man/man1/longview-cli.1.gz"),
                                QStringLiteral("/usr/share/doc/longview/changelog.gz")};
        if (LONGVIEW_PACKAGED_GUI) {
            expected << QStringLiteral("/usr/bin/longview")
                     << QStringLiteral("/usr/share/man/man1/longview.1.gz")
                     << QStringLiteral("/usr/share/applications/longview.desktop");
            for (const QString& size :
                 QStringLiteral(LONGVIEW_ICON_SIZES).split(QLatin1Char(','), Qt::SkipEmptyParts))
                expected
                    << QStringLiteral("/usr/share/icons/hicolor/%1/apps/longview.png").arg(size);
            if (LONGVIEW_SVG_ICON)
                expected << QStringLiteral("/usr/share/icons/hicolor/scalable/apps/longview.svg");
        }
        for (const QString& path : expected)
            QVERIFY2(modes.contains(path),
                     qPrintable(path + QStringLiteral(" not in the package")));
        for (const QString& exe :
             {QStringLiteral("/usr/bin/longview-cli"), QStringLiteral("/usr/bin/longview")})
            if (modes.contains(exe)) QCOMPARE(modes.value(exe), QStringLiteral("-rwxr-xr-x"));
        QCOMPARE(modes.value(QStringLiteral("/usr/share/man/man1/longview-cli.1.gz")),
                 QStringLiteral("-rw-r--r--"));

        const QStringList metainfo =
            QDir(unpacked(QStringLiteral("/usr/share/metainfo")))
                .entryList({QStringLiteral("*.metainfo.xml")}, QDir::Files);
        QCOMPARE(metainfo.size(), LONGVIEW_PACKAGED_GUI ? 1 : 0);
        if (!LONGVIEW_PACKAGED_GUI) {
            // A desktop entry without the GUI would launch nothing.
            QVERIFY(!modes.contains(QStringLiteral("/usr/share/applications/longview.desktop")));
            QVERIFY(!modes.contains(QStringLiteral("/usr/bin/longview")));
        }
    }

    void changelogNamesThisVersion() {
        // Debian policy: every package carries its changelog, whose first entry
        // is the package's version; dpkg-parsechangelog checks the format.
        const auto text =
            runProcess(QStringLiteral("gzip"),
                       {QStringLiteral("-dc"),
                        unpacked(QStringLiteral("/usr/share/doc/longview/changelog.gz"))});
        QVERIFY2(text.ok(), qPrintable(text.describe()));
        QVERIFY2(text.out.startsWith(QStringLiteral("longview (" LONGVIEW_VERSION ") ")),
                 qPrintable(text.out.left(200)));
        const QString plain = m_tmp.filePath(QStringLiteral("changelog"));
        QFile file(plain);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(text.out.toUtf8());
        file.close();
        if (QStandardPaths::findExecutable(QStringLiteral("dpkg-parsechangelog")).isEmpty())
            QSKIP("dpkg-parsechangelog (dpkg-dev) is not installed: changelog format not checked");
        const auto parsed = runProcess(
            QStringLiteral("dpkg-parsechangelog"),
            {QStringLiteral("-l"), plain, QStringLiteral("-S"), QStringLiteral("Version")});
        QVERIFY2(parsed.ok() && parsed.err.trimmed().isEmpty(), qPrintable(parsed.describe()));
        QCOMPARE(parsed.out.trimmed(), QStringLiteral(LONGVIEW_VERSION));
    }

    void binariesLinkOnlySystemLibraries() {
        for (const QString& name : {QStringLiteral("longview-cli"), QStringLiteral("longview")}) {
            const QString exe = unpacked(QStringLiteral("/usr/bin/") + name);
            if (!QFileInfo::exists(exe)) continue;
            // No RPATH/RUNPATH into the build tree: the project's modules are static,
            // everything else is found through the system's library paths.
            const auto dynamic = runProcess(QStringLiteral("readelf"), {QStringLiteral("-d"), exe});
            QVERIFY2(dynamic.ok(), qPrintable(dynamic.describe()));
            for (const QString& line : dynamic.out.split(QLatin1Char('\n'))) {
                if (!line.contains(QStringLiteral("(RPATH)")) &&
                    !line.contains(QStringLiteral("(RUNPATH)")))
                    continue;
                QVERIFY2(line.contains(QStringLiteral("[$ORIGIN")), qPrintable(line));
            }
            const auto sections = runProcess(QStringLiteral("readelf"),
                                             {QStringLiteral("-S"), QStringLiteral("-W"), exe});
            QVERIFY2(sections.ok(), qPrintable(sections.describe()));
            QVERIFY2(!sections.out.contains(QStringLiteral(" .symtab ")),
                     qPrintable(name + QStringLiteral(" is not stripped")));

            const auto ldd = runProcess(QStringLiteral("ldd"), {exe},
                                        isolatedEnvironment(m_tmp.filePath(QStringLiteral("ldd"))));
            QVERIFY2(ldd.ok(), qPrintable(ldd.describe()));
            QVERIFY2(!ldd.out.contains(QStringLiteral("not found")), qPrintable(ldd.out));
            static const QRegularExpression resolved(QStringLiteral("=> (\\S+)"));
            for (auto it = resolved.globalMatch(ldd.out); it.hasNext();) {
                const QString lib = it.next().captured(1);
                const bool system = lib.startsWith(QStringLiteral("/lib/")) ||
                                    lib.startsWith(QStringLiteral("/lib64/")) ||
                                    lib.startsWith(QStringLiteral("/usr/lib/"));
                const bool cuda =
                    LONGVIEW_PACKAGED_CUDA && lib.startsWith(QStringLiteral("/usr/local/cuda"));
                QVERIFY2(system || cuda, qPrintable(name + QStringLiteral(" links ") + lib));
            }
        }
    }

    void cliRunsFromTheUnpackedPackage() {
        const QString cli = unpacked(QStringLiteral("/usr/bin/longview-cli"));
        const QString home = m_tmp.filePath(QStringLiteral("cli-home"));
        const QProcessEnvironment env = isolatedEnvironment(home);

        const auto version = runProcess(cli, {QStringLiteral("--version")}, env);
        QVERIFY2(version.ok(), qPrintable(version.describe()));
        QVERIFY2(version.out.startsWith(QStringLiteral("longview-cli " LONGVIEW_VERSION " (")),
                 qPrintable(version.out));

        if (!QFileInfo::exists(kGpl3))
            QSKIP("no /usr/share/common-licenses/GPL-3 (base-files) here");
        const auto summary =
            runProcess(cli, {QStringLiteral("summarize"), kGpl3, QStringLiteral("--json")}, env);
        QVERIFY2(summary.ok(), qPrintable(summary.describe()));
        const QJsonObject json = QJsonDocument::fromJson(summary.out.toUtf8()).object();
        QVERIFY2(json.value(QStringLiteral("extractive")).toBool(),
                 qPrintable(summary.out.left(2000)));
        QVERIFY(!json.value(QStringLiteral("text")).toString().isEmpty());
        const QJsonArray citations = json.value(QStringLiteral("citations")).toArray();
        QVERIFY2(!citations.isEmpty(), qPrintable(summary.out.left(2000)));
        for (const auto& c : citations)
            QVERIFY2(c.toObject()
                         .value(QStringLiteral("label"))
                         .toString()
                         .startsWith(QStringLiteral("GPL-3:")),
                     qPrintable(QJsonDocument(c.toObject()).toJson()));
        // The library went where LONGVIEW_DB said, and nowhere else.
        QVERIFY(QFileInfo(home + QStringLiteral("/library.db")).size() > 0);
        QVERIFY(!QFileInfo::exists(home + QStringLiteral("/data/longview")));

        const auto list = runProcess(cli, {QStringLiteral("list"), QStringLiteral("--json")}, env);
        QVERIFY2(list.ok(), qPrintable(list.describe()));
        QCOMPARE(QJsonDocument::fromJson(list.out.toUtf8()).array().size(), 1);
    }

    void manPageDocumentsEveryCommandAndOption() {
        const QString page = unpacked(QStringLiteral("/usr/share/man/man1/longview-cli.1.gz"));
        const auto text = runProcess(QStringLiteral("gzip"), {QStringLiteral("-dc"), page});
        QVERIFY2(text.ok(), qPrintable(text.describe()));
        QVERIFY2(text.out.startsWith(QStringLiteral(".TH LONGVIEW-CLI 1 ")) ||
                     text.out.contains(QStringLiteral("\n.TH LONGVIEW-CLI 1 ")),
                 "no .TH header");
        QVERIFY2(text.out.contains(QStringLiteral(LONGVIEW_VERSION)),
                 "the man page names another version");

        // Every command of `longview-cli --help`, and every option of each command's
        // help, has its own entry: the page cannot silently fall behind the CLI.
        const QString cli = unpacked(QStringLiteral("/usr/bin/longview-cli"));
        const QProcessEnvironment env =
            isolatedEnvironment(m_tmp.filePath(QStringLiteral("man-home")));
        const auto help = runProcess(cli, {QStringLiteral("--help")}, env);
        QVERIFY2(help.ok(), qPrintable(help.describe()));
        const QString commandsPart = help.out.section(QStringLiteral("Commands:\n"), 1)
                                         .section(QStringLiteral("\n\n"), 0, 0);
        QStringList commands;
        for (const QString& line : commandsPart.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
            commands << line.trimmed().section(QLatin1Char(' '), 0, 0);
        QVERIFY2(commands.size() >= 5, qPrintable(help.out));
        QStringList missing;
        const QString globalSection = manSection(text.out, QStringLiteral(".SH OPTIONS"));
        for (const QString& option : helpOptions(help.out))
            if (!hasOptionEntry(globalSection, option))
                missing << QStringLiteral("OPTIONS: --") + option;
        for (const QString& command : commands) {
            const QString section = manSection(text.out, QStringLiteral(".SS ") + command);
            if (section.isEmpty()) missing << QStringLiteral("COMMANDS: ") + command;
            const auto commandHelp = runProcess(cli, {QStringLiteral("help"), command}, env);
            QVERIFY2(commandHelp.ok(), qPrintable(commandHelp.describe()));
            const QString own = commandHelp.out.section(QStringLiteral("\nGlobal options:"), 0, 0);
            for (const QString& option : helpOptions(own))
                if (!hasOptionEntry(section, option))
                    missing << command + QStringLiteral(": --") + option;
        }
        QVERIFY2(missing.isEmpty(), qPrintable(QStringLiteral("not in the man page: ") +
                                               missing.join(QStringLiteral(", "))));

        if (QStandardPaths::findExecutable(QStringLiteral("man")).isEmpty())
            QSKIP("man (man-db) is not installed: roff warnings not checked");
        const auto roff = manWarnings(page, env);
        QVERIFY2(roff.ok() && roff.err.trimmed().isEmpty(), qPrintable(roff.describe()));
    }

    void guiManPageDocumentsEveryOption() {
        if (!LONGVIEW_PACKAGED_GUI)
            QSKIP("this build has no GUI (LONGVIEW_BUILD_GUI=OFF or no app/gui/main.cpp): no "
                  "longview man page is packaged");
        const QString page = unpacked(QStringLiteral("/usr/share/man/man1/longview.1.gz"));
        const auto text = runProcess(QStringLiteral("gzip"), {QStringLiteral("-dc"), page});
        QVERIFY2(text.ok(), qPrintable(text.describe()));
        QVERIFY2(text.out.contains(QStringLiteral("\n.TH LONGVIEW 1 ")), "no .TH header");
        QVERIFY2(text.out.contains(QStringLiteral(LONGVIEW_VERSION)),
                 "the man page names another version");

        const QProcessEnvironment env =
            isolatedEnvironment(m_tmp.filePath(QStringLiteral("gui-man-home")));
        const auto help = runProcess(unpacked(QStringLiteral("/usr/bin/longview")),
                                     {QStringLiteral("--help")}, env);
        QVERIFY2(help.ok(), qPrintable(help.describe()));
        const QStringList options = helpOptions(help.out);
        QVERIFY2(options.contains(QStringLiteral("db")), qPrintable(help.out));
        QStringList missing;
        const QString section = manSection(text.out, QStringLiteral(".SH OPTIONS"));
        for (const QString& option : options)
            if (!hasOptionEntry(section, option)) missing << QStringLiteral("--") + option;
        QVERIFY2(missing.isEmpty(), qPrintable(QStringLiteral("not in the man page: ") +
                                               missing.join(QStringLiteral(", "))));

        if (QStandardPaths::findExecutable(QStringLiteral("man")).isEmpty())
            QSKIP("man (man-db) is not installed: roff warnings not checked");
        const auto roff = manWarnings(page, env);
        QVERIFY2(roff.ok() && roff.err.trimmed().isEmpty(), qPrintable(roff.describe()));
    }

    void desktopEntryAndAppStreamMetadataValidate() {
        if (!LONGVIEW_PACKAGED_GUI)
            QSKIP("this build has no GUI (LONGVIEW_BUILD_GUI=OFF or no app/gui/main.cpp): no "
                  "desktop entry is packaged");
        const QString desktop =
            unpacked(QStringLiteral("/usr/share/applications/longview.desktop"));
        const QString metainfoDir = unpacked(QStringLiteral("/usr/share/metainfo"));
        const QStringList metainfoFiles =
            QDir(metainfoDir).entryList({QStringLiteral("*.metainfo.xml")}, QDir::Files);
        QCOMPARE(metainfoFiles.size(), 1);
        const QString metainfo = QDir(metainfoDir).filePath(metainfoFiles.first());

        // The entry launches what the package installs, with the icon it installs.
        QFile entryFile(desktop);
        QVERIFY(entryFile.open(QIODevice::ReadOnly | QIODevice::Text));
        QMap<QString, QString> entry;
        for (const QString& line : QString::fromUtf8(entryFile.readAll()).split(QLatin1Char('\n')))
            if (const int eq = line.indexOf(QLatin1Char('=')); eq > 0)
                entry.insert(line.left(eq), line.mid(eq + 1));
        QCOMPARE(entry.value(QStringLiteral("Exec")).section(QLatin1Char(' '), 0, 0),
                 QStringLiteral("longview"));
        QVERIFY(QFileInfo(unpacked(QStringLiteral("/usr/bin/longview"))).isExecutable());
        const QString icon = entry.value(QStringLiteral("Icon"));
        QCOMPARE(icon, QStringLiteral("longview"));
        if (LONGVIEW_SVG_ICON)
            QVERIFY(QFileInfo::exists(
                unpacked(QStringLiteral("/usr/share/icons/hicolor/scalable/apps/") + icon +
                         QStringLiteral(".svg"))));

        // The AppStream component: its ID names the file, it launches this desktop
        // entry, and it lists this version among its releases.
        QFile xml(metainfo);
        QVERIFY(xml.open(QIODevice::ReadOnly));
        const QString content = QString::fromUtf8(xml.readAll());
        const QString id = metainfoFiles.first().chopped(int(qstrlen(".metainfo.xml")));
        QVERIFY2(content.contains(QStringLiteral("<id>") + id + QStringLiteral("</id>")),
                 qPrintable(id));
        QVERIFY(content.contains(
            QStringLiteral("<launchable type=\"desktop-id\">longview.desktop</launchable>")));
        QVERIFY2(content.contains(QStringLiteral("<release version=\"" LONGVIEW_VERSION "\"")),
                 "no <release> for this version in the AppStream metadata");

        const QString desktopValidate =
            QStandardPaths::findExecutable(QStringLiteral("desktop-file-validate"));
        const QString appstreamcli = QStandardPaths::findExecutable(QStringLiteral("appstreamcli"));
        if (desktopValidate.isEmpty() || appstreamcli.isEmpty())
            QSKIP("desktop-file-validate or appstreamcli missing (apt-get install "
                  "desktop-file-utils appstream; installer/setup-deps.sh)");
        // Hints (advice such as "more than one main category") are shown, not fatal.
        const auto d = runProcess(desktopValidate, {desktop});
        QVERIFY2(d.ok() && !(d.out + d.err).contains(QStringLiteral(": error: ")) &&
                     !(d.out + d.err).contains(QStringLiteral(": warning: ")),
                 qPrintable(d.describe()));
        if (!(d.out + d.err).trimmed().isEmpty()) qInfo().noquote() << (d.out + d.err).trimmed();
        const auto a =
            runProcess(appstreamcli, {QStringLiteral("validate"), QStringLiteral("--no-net"),
                                      QStringLiteral("--pedantic"), metainfo});
        QVERIFY2(a.ok(), qPrintable(a.describe()));
    }

    void guiStartsOffscreenFromTheUnpackedPackage() {
        if (!LONGVIEW_PACKAGED_GUI)
            QSKIP("this build has no GUI (LONGVIEW_BUILD_GUI=OFF or no app/gui/main.cpp): longview "
                  "is not packaged");
        const QString gui = unpacked(QStringLiteral("/usr/bin/longview"));
        const QString home = m_tmp.filePath(QStringLiteral("gui-home"));
        const QProcessEnvironment env = isolatedEnvironment(home);

        const auto version = runProcess(gui, {QStringLiteral("--version")}, env);
        QVERIFY2(version.ok(), qPrintable(version.describe()));
        QVERIFY2(version.out.contains(QStringLiteral(LONGVIEW_VERSION)), qPrintable(version.out));

        // A real start: the main window is shown, grabbed into an image once it has
        // settled, and the application quits by itself.
        const QString shot = home + QStringLiteral("/window.png");
        const auto start =
            runProcess(gui,
                       {QStringLiteral("--db"), home + QStringLiteral("/gui.db"),
                        QStringLiteral("--screenshot"), shot, QStringLiteral("--screenshot-delay"),
                        QStringLiteral("1000")},
                       env, 180000);
        QVERIFY2(start.ok(), qPrintable(start.describe()));
        const QImage image(shot);
        QVERIFY2(!image.isNull(), qPrintable(start.describe()));
        QVERIFY2(image.width() >= 400 && image.height() >= 300,
                 qPrintable(QStringLiteral("%1x%2").arg(image.width()).arg(image.height())));
    }

    void installTreeIsRelocatable() {
        // `cmake --install` to an arbitrary prefix, then the whole tree moved
        // elsewhere: the programs still start, since they find nothing by path.
        const QString first = m_tmp.filePath(QStringLiteral("prefix/first"));
        const auto install =
            runProcess(QStringLiteral(LONGVIEW_CMAKE),
                       {QStringLiteral("--install"), QStringLiteral(LONGVIEW_BINARY_DIR),
                        QStringLiteral("--prefix"), first},
                       QProcessEnvironment::systemEnvironment(), 300000);
        QVERIFY2(install.ok(), qPrintable(install.describe()));
        QVERIFY(QFileInfo::exists(first + QStringLiteral("/share/man/man1/longview-cli.1.gz")));
        const QString moved = m_tmp.filePath(QStringLiteral("moved/elsewhere"));
        QVERIFY(QDir().mkpath(QFileInfo(moved).path()));
        QVERIFY(QDir().rename(first, moved));

        const QProcessEnvironment env =
            isolatedEnvironment(m_tmp.filePath(QStringLiteral("prefix-home")));
        const auto cli = runProcess(moved + QStringLiteral("/bin/longview-cli"),
                                    {QStringLiteral("--version")}, env);
        QVERIFY2(cli.ok() && cli.out.startsWith(QStringLiteral("longview-cli " LONGVIEW_VERSION)),
                 qPrintable(cli.describe()));
        if (LONGVIEW_PACKAGED_GUI) {
            const auto gui = runProcess(moved + QStringLiteral("/bin/longview"),
                                        {QStringLiteral("--version")}, env);
            QVERIFY2(gui.ok(), qPrintable(gui.describe()));
        }
    }
};

QTEST_GUILESS_MAIN(InstallerTest)
#include "tst_installer.moc"
