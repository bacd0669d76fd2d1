#pragma once

#include "support/temphome.h"

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

} // namespace keyward::test
