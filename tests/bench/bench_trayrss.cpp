// tray_rss: the resident memory of the tray app (`keyward` with no arguments, the owner with its
// icon and menu, on the offscreen platform so no display is needed) once it has been idle for a few
// seconds, against `keyward serve` (the same owner without a GUI) started the same way. Each runs
// on a fresh KEYWARD_HOME (no call is made, so the keychain is never asked), and both are stopped with
// SIGTERM afterwards. The target is an idle tray of at most 80 MB.

#include "bench.h"

#include <QByteArray>
#include <QDeadlineTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>

#include <csignal>
#include <cstdio>

namespace keyward::bench {

namespace {

// VmRSS or VmHWM of `pid` from /proc, in KiB (0 when unreadable).
qint64 procStatusKiB(qint64 pid, const QByteArray &field)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith(QByteArray(field + ':')))
            return line.mid(field.size() + 1).trimmed().split(' ').value(0).toLongLong();
    }
    return 0;
}

struct Idle {
    qint64 rssKiB = 0;
    qint64 peakKiB = 0;
    QString error;
};

// Starts keyward with `args` on a fresh home, waits for its ready line, lets it idle `idleMs`, and
// reads its memory.
Idle measureIdle(const QStringList &args, int idleMs)
{
    Idle idle;
    QTemporaryDir home;
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("KEYWARD_HOME"), home.path());
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.remove(QStringLiteral("DISPLAY"));
    env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    env.insert(QStringLiteral("KEYWARD_LOG"), QStringLiteral("warn"));
    process.setProcessEnvironment(env);
    process.start(QStringLiteral(KEYWARD_BINARY), args);
    if (!process.waitForStarted(10000)) {
        idle.error = QStringLiteral("keyward did not start");
        return idle;
    }
    const QDeadlineTimer deadline(30000);
    while (!process.canReadLine() && process.state() == QProcess::Running && !deadline.hasExpired())
        process.waitForReadyRead(200);
    if (!process.readLine().contains("\"ready\":true")) {
        idle.error = QStringLiteral("no ready line: ") + QString::fromUtf8(process.readAllStandardError());
        process.kill();
        process.waitForFinished(5000);
        return idle;
    }
    QThread::msleep(idleMs);
    idle.rssKiB = procStatusKiB(process.processId(), "VmRSS");
    idle.peakKiB = procStatusKiB(process.processId(), "VmHWM");
    ::kill(pid_t(process.processId()), SIGTERM);
    if (!process.waitForFinished(10000))
        process.kill();
    return idle;
}

double mib(qint64 kib) { return double(kib) / 1024.0; }

} // namespace

int runTrayRssBenchmark()
{
    const int idleMs = 3000;
    const Idle serve = measureIdle({QStringLiteral("serve")}, idleMs);
    const Idle tray = measureIdle({}, idleMs);
    if (!serve.error.isEmpty() || !tray.error.isEmpty()) {
        std::fprintf(stderr, "bench tray_rss: could not run: %s%s\n", qPrintable(serve.error), qPrintable(tray.error));
        return 1;
    }
    std::printf("bench tray_rss: idle %d s: tray RSS %.1f MiB (peak %.1f), serve RSS %.1f MiB (peak %.1f); tray/serve "
                "%.2fx; the GUI adds %.1f MiB (target: tray <= 80 MB = %.1f MiB)\n",
                idleMs / 1000, mib(tray.rssKiB), mib(tray.peakKiB), mib(serve.rssKiB), mib(serve.peakKiB),
                double(tray.rssKiB) / double(serve.rssKiB), mib(tray.rssKiB - serve.rssKiB), 80e6 / 1048576.0);
    std::fflush(stdout);
    return 0;
}

} // namespace keyward::bench
