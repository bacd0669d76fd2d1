#pragma once

#include <QStringList>

namespace keyward::cli {

// Each subcommand takes its own arguments with args[0] = "keyward <name>" and returns the exit
// code. They run under a QCoreApplication; none needs a display.
int runAgent(const QStringList &args);
int runAutostart(const QStringList &args);
int runClients(const QStringList &args);
int runAlerts(const QStringList &args);
int runDoctor(const QStringList &args);
int runKill(const QStringList &args);
int runLog(const QStringList &args);
int runMcp(const QStringList &args);
int runPolicy(const QStringList &args);
int runReset(const QStringList &args);
int runResume(const QStringList &args);
int runRun(const QStringList &args);
int runServe(const QStringList &args);
int runService(const QStringList &args);
int runUnlock(const QStringList &args);
// `keyward service test NAME` (args[0] = "keyward service test").
int runServiceTest(const QStringList &args);

} // namespace keyward::cli
