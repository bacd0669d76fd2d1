#pragma once

#include "support/temphome.h"

#include "core/keywardhome.h"

#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

namespace keyward::test {

struct ProcessRun {
    bool finished = false;
    int exitCode = -1;
    QString stdoutText;
    QString stderrText;
};

// The environment end-to-end tests give keyward: the caller's, with KEYWARD_HOME set to `home`.
QProcessEnvironment environmentFor(const TempHome &home);

// Runs `node tests/e2e/<script> args...` in tests/e2e (where node_modules is) with the
// environment of environmentFor(home); waits at most `timeoutMs` (a hang guard, not a measure).
ProcessRun runNode(const QString &script, const QStringList &args, const TempHome &home, int timeoutMs = 120000);

// What a run of the keyward binary gave: exit code and raw output.
struct CliRun {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

// Runs the built keyward (KEYWARD_BINARY) with `args`, `input` on its stdin, in the environment of
// environmentFor(home); at most 60 s (a hang guard).
CliRun runKeyward(const TempHome &home, const QStringList &args, const QByteArray &input = {});

// The KeywardHome layout of a test home.
KeywardHome homeOf(const TempHome &home);

// Whether process `pid` exists (a zombie counts until it is reaped).
bool processAlive(qint64 pid);

// Turns off the alerts' automatic kill of an agent that shows signs of exfiltration
// (settings.notifications in `home`'s config.json), for tests that send many hostile calls from one
// agent on purpose and check each refusal. Call it before an owner starts; false when config.json
// cannot be read or written.
bool disableAlertAutoKill(const TempHome &home);

// A fresh random canary secret with characters that change under every encoding (`/`, `+`, `=`).
QByteArray randomCanary();

// environmentFor(home) on the test session's real X display when there is one (ctest sets the
// offscreen platform for every test), else on the offscreen platform: for the tray app.
QProcessEnvironment displayEnvironmentFor(const TempHome &home);

// Starts `keyward args` (the tray app without args) on displayEnvironmentFor(home) and waits for
// its ready line (at most 20 s, a hang guard); returns that line, empty on failure.
QByteArray startOwnerProcess(QProcess &process, const TempHome &home, const QStringList &args = {});
// SIGTERM to a running owner started so, then waits at most 10 s for it to end.
void stopOwnerProcess(QProcess &process);

} // namespace keyward::test
