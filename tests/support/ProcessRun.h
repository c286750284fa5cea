// A program run to its end as a user would run it, and what it printed: the command-line
// tests (longview-cli through runCli) and the package tests (dpkg, readelf, man) share it.
#pragma once

#include <QByteArray>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

namespace lv::test {

struct ProcessRun {
    int exitCode = -1; // -1 when it did not start, did not finish or crashed
    QString out;
    QString err;
    bool finished = false;

    bool ok() const { return finished && exitCode == 0; }
    QString describe() const {
        return QStringLiteral("exit %1%2\nstdout: %3\nstderr: %4")
            .arg(exitCode)
            .arg(finished ? QString() : QStringLiteral(" (did not finish)"))
            .arg(out.right(2000), err.right(2000));
    }
};

// A program still running after `timeoutMs` is killed (finished stays false); `input` goes
// to its standard input, which is then closed.
inline ProcessRun
runProcess(const QString& program, const QStringList& args,
           const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment(),
           int timeoutMs = 120000, const QByteArray& input = {}) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(program, args);
    ProcessRun r;
    if (!p.waitForStarted(10000)) {
        r.err = program + QStringLiteral(": ") + p.errorString();
        return r;
    }
    p.write(input);
    p.closeWriteChannel();
    r.finished = p.waitForFinished(timeoutMs);
    if (!r.finished) {
        p.kill();
        p.waitForFinished(5000);
    }
    r.exitCode = r.finished && p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

#ifdef LONGVIEW_CLI_PATH
// longview-cli of this build tree (the test target defines LONGVIEW_CLI_PATH).
inline ProcessRun runCli(const QStringList& args, const QByteArray& input = {}) {
    return runProcess(QStringLiteral(LONGVIEW_CLI_PATH), args,
                      QProcessEnvironment::systemEnvironment(), 120000, input);
}
#endif

} // namespace lv::test
