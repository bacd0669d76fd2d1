// `keyward unlock` (DESIGN.md "Files"): gives the running owner the passphrase of the encrypted
// file store (settings.secretStore "file"), asked with echo off on a terminal or read from stdin
// when it is a pipe. Starts a background owner first when none runs. The passphrase travels only
// over the owner's user-only socket.

#include "cli/commands.h"
#include "cli/secretinput.h"
#include "cli/subcommand.h"
#include "ownerstarter.h"

#include "config/configstore.h"
#include "core/keywardhome.h"
#include "daemon/ownerclient.h"
#include "daemon/ownerlock.h"
#include "daemon/ownerprotocol.h"

#include <cstdio>

namespace keyward::cli {

namespace {

// Everything on stdin (a pipe or file), with the rules of a piped secret.
Result<QByteArray> readPipedPassphrase()
{
    QByteArray piped;
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, stdin)) > 0 && piped.size() <= kMaxSecretBytes + 2)
        piped.append(buffer, qsizetype(n));
    auto passphrase = secretFromInput(piped);
    piped.fill('\0');
    return passphrase;
}

} // namespace

int runUnlock(const QStringList &args)
{
    QCommandLineParser parser;
    Output out;
    if (const auto stop = parseSubcommand(parser, args, out,
                                          QStringLiteral("Unlock the encrypted file store (settings.secretStore \"file\") in "
                                                         "the running owner: the passphrase is asked on the terminal, or read "
                                                         "from stdin.")))
        return *stop;
    if (!parser.positionalArguments().isEmpty())
        return out.usageError(QStringLiteral("keyward unlock takes no arguments; the passphrase is asked for"));

    const KeywardHome home = KeywardHome::fromEnvironment();
    ConfigStore config(home.configFile());
    if (const auto loaded = config.load(); !loaded)
        return out.error(loaded.error().code, QStringLiteral("%1: %2").arg(home.configFile(), loaded.error().message));
    if (config.config().settings.secretStore != SecretStoreKind::File) {
        return out.error(QStringLiteral("not_file_store"),
                         QStringLiteral("this home keeps its secrets in the OS keychain: there is nothing to unlock (to use "
                                        "the encrypted file store, set settings.secretStore to \"file\" in %1)")
                             .arg(home.configFile()));
    }

    Result<QByteArray> passphrase = stdinIsTerminal()
                                        ? readPassphrase(QStringLiteral("Passphrase of the encrypted file store (input hidden): "))
                                        : readPipedPassphrase();
    if (!passphrase)
        return out.error(passphrase.error().code, passphrase.error().message);

    if (daemon::OwnerLock::ownerPid(home) == 0) {
        if (const auto started = app::startBackgroundOwner(); !started)
            return out.error(started.error().code, QStringLiteral("cannot start the owner: ") + started.error().message);
    }
    QByteArray bytes = std::move(passphrase).value();
    const auto answer = daemon::askOwner(home, "unlock", 30000, {{"passphrase", bytes.toStdString()}});
    bytes.fill('\0');
    if (!answer)
        return out.error(answer.error().code, answer.error().message);
    const qint64 pid = answer->value("pid", qint64(0));
    if (out.json())
        out.object({{"unlocked", true}, {"pid", pid}});
    else
        out.message(QStringLiteral("Unlocked the encrypted file store in the running owner (pid %1).").arg(pid));
    return ExitOk;
}

} // namespace keyward::cli
