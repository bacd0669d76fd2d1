#include "cli/commands.h"
#include "cli/output.h"
#include "cli/subcommand.h"

#include "core/keywardhome.h"
#include "doctor/doctor.h"
#include "secrets/keychainstore.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTimer>

#include <algorithm>
#include <chrono>

namespace keyward::cli {

namespace {

// The Doctor bounds itself (45 s); this is the last line of defence should it ever not.
constexpr std::chrono::milliseconds kGuardTimeout{50000};

void printText(const Output &out, const DoctorReport &report)
{
    qsizetype width = 0;
    for (const DoctorCheck &check : report.checks)
        width = std::max(width, check.name.size());
    for (const DoctorCheck &check : report.checks) {
        out.line(QStringLiteral("%1 %2  %3")
                     .arg(check.ok ? QStringLiteral("ok  ") : QStringLiteral("FAIL"))
                     .arg(check.name, -int(width))
                     .arg(check.message));
        if (!check.ok)
            out.line(QStringLiteral("     fix: ") + check.fix);
    }
}

} // namespace

int runDoctor(const QStringList &args)
{
    Output out;
    QCommandLineParser parser;
    if (const auto stop = parseSubcommand(parser, args, out,
                                          QStringLiteral("Checks D-Bus, the keychain, KEYWARD_HOME and the config, and "
                                                         "says how to fix each problem. Exit code 0 when all is well.")))
        return *stop;
    if (!parser.positionalArguments().isEmpty())
        return out.usageError(QStringLiteral("doctor takes no arguments"));

    const KeywardHome home = KeywardHome::fromEnvironment();
    KeychainStore store(home.keychainServiceName());
    Doctor::Options options;
    options.keychainServiceName = home.keychainServiceName();
    Doctor doctor(home, store, options);

    bool guardFired = false;
    QObject::connect(&doctor, &Doctor::finished, qApp, [] { QCoreApplication::exit(0); });
    QTimer guard;
    guard.setSingleShot(true);
    QObject::connect(&guard, &QTimer::timeout, qApp, [&guardFired] {
        guardFired = true;
        QCoreApplication::exit(1);
    });
    guard.start(kGuardTimeout);
    doctor.start();
    QCoreApplication::exec();

    if (guardFired && !doctor.isFinished()) {
        return out.error(QStringLiteral("timeout"),
                         QStringLiteral("the doctor did not finish within %1 s: a check is stuck; run it again with "
                                        "KEYWARD_LOG=debug to see which")
                             .arg(kGuardTimeout.count() / 1000));
    }
    const DoctorReport &report = doctor.report();
    if (out.json())
        out.object(report.toJson());
    else
        printText(out, report);
    return report.ok() ? ExitOk : ExitFailure;
}

} // namespace keyward::cli
