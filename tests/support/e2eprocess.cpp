#include "support/e2eprocess.h"

#include "config/configjson.h"

#include <cerrno>
#include <csignal>

#include <QDeadlineTimer>
#include <QDir>
#include <QProcess>
#include <QRandomGenerator>

namespace keyward::test {

QProcessEnvironment environmentFor(const TempHome &home)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("KEYWARD_HOME"), home.path());
    return env;
}

ProcessRun runNode(const QString &script, const QStringList &args, const TempHome &home, int timeoutMs)
{
    const QString e2eDir = QStringLiteral(KEYWARD_E2E_DIR);
    QProcess node;
    node.setWorkingDirectory(e2eDir);
    node.setProcessEnvironment(environmentFor(home));
    node.start(QStringLiteral("node"), QStringList{QDir(e2eDir).filePath(script)} + args);
    ProcessRun run;
    if (!node.waitForStarted(30000)) {
        run.stderrText = QStringLiteral("node did not start: ") + node.errorString();
        return run;
    }
    run.finished = node.waitForFinished(timeoutMs);
    if (!run.finished) {
        node.kill();
        node.waitForFinished(5000);
    }
    run.exitCode = node.exitCode();
    run.stdoutText = QString::fromUtf8(node.readAllStandardOutput());
    run.stderrText = QString::fromUtf8(node.readAllStandardError());
    return run;
}

CliRun runKeyward(const TempHome &home, const QStringList &args, const QByteArray &input)
{
    QProcess process;
    process.setProcessEnvironment(environmentFor(home));
    process.start(QStringLiteral(KEYWARD_BINARY), args);
    process.waitForStarted();
    process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(60000))
        process.kill();
    return CliRun{process.exitCode(), process.readAllStandardOutput(), process.readAllStandardError()};
}

KeywardHome homeOf(const TempHome &home) { return KeywardHome::atDirectory(home.path()); }

bool disableAlertAutoKill(const TempHome &home)
{
    const QString path = homeOf(home).configFile();
    const auto loaded = loadConfigFile(path);
    if (!loaded)
        return false;
    Config config = *loaded;
    config.settings.notificationsJson = QStringLiteral("{\"rules\":{\"exfiltration\":{\"autoKill\":false}}}");
    return saveConfigFile(path, config).ok();
}

bool processAlive(qint64 pid) { return pid > 0 && (::kill(pid_t(pid), 0) == 0 || errno == EPERM); }

QByteArray randomCanary()
{
    QByteArray bytes(24, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(bytes.data()), bytes.size() / 4);
    return "kwcanary_" + bytes.toHex() + "/+=";
}

QProcessEnvironment displayEnvironmentFor(const TempHome &home)
{
    QProcessEnvironment env = environmentFor(home);
    if (env.contains(QStringLiteral("DISPLAY")))
        env.remove(QStringLiteral("QT_QPA_PLATFORM"));
    return env;
}

QByteArray startOwnerProcess(QProcess &process, const TempHome &home, const QStringList &args)
{
    process.setProcessEnvironment(displayEnvironmentFor(home));
    process.start(QStringLiteral(KEYWARD_BINARY), args);
    if (!process.waitForStarted())
        return {};
    QDeadlineTimer deadline(20000);
    while (!process.canReadLine() && !deadline.hasExpired() && process.state() == QProcess::Running)
        process.waitForReadyRead(200);
    return process.canReadLine() ? process.readLine().trimmed() : QByteArray();
}

void stopOwnerProcess(QProcess &process)
{
    if (process.state() == QProcess::Running) {
        ::kill(pid_t(process.processId()), SIGTERM);
        process.waitForFinished(10000);
    }
}

} // namespace keyward::test
