// `keyward reset [--yes]` (DESIGN.md "CLI"): removes every secret, the config and the audit of
// this home.
//
// Holds the home's lock throughout. The keychain entries to remove are the ones the config names
// (`service/<name>` for each service, `env/<ref>` for each run reference), taken from config.json
// and config.json.bak. Secrets go first: when one cannot be removed, no file is touched, so the
// config still names what remains and `keyward reset` can simply be run again. Then config.json
// (+ .bak), state.json (+ the .corrupt one `keyward kill` may set aside), audit.db (+ -wal, -shm,
// -journal), keyward.log and the encrypted file store secrets.kwv are deleted. A home whose config
// picks the encrypted file store loses its secrets with secrets.kwv (no passphrase needed), so the
// keychain is not touched. The lock file stays (it is released on exit).

#include "cli/adminsupport.h"
#include "cli/commands.h"
#include "cli/subcommand.h"

#include "config/homelock.h"
#include "daemon/ownerclient.h"
#include "daemon/ownerlock.h"
#include "core/keywardhome.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QThread>

#include <cstdio>

#ifdef Q_OS_WIN
#include <io.h>
#else
#include <unistd.h>
#endif

namespace keyward::cli {

namespace {

using json = nlohmann::json;

bool stdinIsTerminal()
{
#ifdef Q_OS_WIN
    return _isatty(_fileno(stdin)) != 0;
#else
    return ::isatty(STDIN_FILENO) == 1;
#endif
}

QString describeHome(const KeywardHome &home)
{
    if (home.isExplicit())
        return QStringLiteral("KEYWARD_HOME %1").arg(home.homeDir());
    return home.configDir() == home.dataDir() ? home.configDir()
                                              : QStringLiteral("%1 and %2").arg(home.configDir(), home.dataDir());
}

// The keychain keys a config file names: service/<name> per service, env/<ref> per run
// reference. Read leniently (only the two objects' keys), so a file that fails the schema still
// yields them. A missing file names nothing; a file that is not JSON is an error.
Result<QStringList> keysNamedBy(const QString &path)
{
    QFile file(path);
    if (!file.exists())
        return QStringList();
    if (!file.open(QIODevice::ReadOnly)) {
        return Error{QStringLiteral("config_io"),
                     QStringLiteral("%1 cannot be read (%2), so reset cannot tell which secrets to remove: make it "
                                    "readable by you and run `keyward reset` again; nothing was removed")
                         .arg(path, file.errorString())};
    }
    const json document = json::parse(file.readAll().toStdString(), nullptr, false);
    if (document.is_discarded()) {
        return Error{QStringLiteral("config_syntax"),
                     QStringLiteral("%1 is not valid JSON, so reset cannot tell which secrets to remove: correct it (or "
                                    "restore config.json.bak) and run `keyward reset` again; nothing was removed")
                         .arg(path)};
    }
    QStringList keys;
    if (!document.is_object())
        return keys;
    const std::pair<const char *, QString> sections[] = {{"services", QStringLiteral("service/")},
                                                          {"runRefs", QStringLiteral("env/")}};
    for (const auto &[section, prefix] : sections) {
        const auto found = document.find(section);
        if (found == document.end() || !found->is_object())
            continue;
        for (auto it = found->begin(); it != found->end(); ++it)
            keys.append(prefix + QString::fromStdString(it.key()));
    }
    return keys;
}

// Whether config.json picks the encrypted file store (settings.secretStore "file"), read as
// leniently as keysNamedBy(). Its secrets all live in secrets.kwv, which reset deletes as a file:
// no passphrase and no keychain are needed.
bool usesFileStore(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return false;
    const json document = json::parse(file.readAll().toStdString(), nullptr, false);
    if (!document.is_object())
        return false;
    const auto settings = document.find("settings");
    if (settings == document.end() || !settings->is_object())
        return false;
    const auto store = settings->find("secretStore");
    return store != settings->end() && store->is_string() && store->get<std::string>() == "file";
}

// Asks on the terminal for the word `reset`; true when it was typed.
bool confirmedOnTerminal(const Output &out, const KeywardHome &home, const QStringList &keys)
{
    out.message(QStringLiteral("This removes every secret of %1 from the keychain (%2), and its config, state and "
                               "audit log. It cannot be undone.")
                    .arg(describeHome(home))
                    .arg(keys.isEmpty() ? QStringLiteral("none stored") : keys.join(QStringLiteral(", "))));
    std::fputs("Type reset to confirm: ", stderr);
    std::fflush(stderr);
    char buffer[256] = {};
    if (!std::fgets(buffer, sizeof buffer, stdin))
        return false;
    return QString::fromLocal8Bit(buffer).trimmed() == QLatin1String("reset");
}

// The files reset deletes, in this order.
QStringList filesOf(const KeywardHome &home)
{
    const QString audit = home.auditDatabase();
    return {home.configFile(),
            home.configFile() + QStringLiteral(".bak"),
            home.stateFile(),
            home.stateFile() + QStringLiteral(".corrupt"),
            audit,
            audit + QStringLiteral("-wal"),
            audit + QStringLiteral("-shm"),
            audit + QStringLiteral("-journal"),
            home.logFile(),
            QDir(home.dataDir()).filePath(QStringLiteral("secrets.kwv"))};
}

// Asks the home's owner, if one runs, to stop, and waits (at most 10 s) until it has.
Result<void> stopOwner(const KeywardHome &home)
{
    const qint64 pid = daemon::OwnerLock::ownerPid(home);
    if (pid == 0)
        return {};
    const auto asked = daemon::askOwner(home, "stop");
    QElapsedTimer waited;
    waited.start();
    while (daemon::OwnerLock::ownerPid(home) != 0 && waited.elapsed() < 10000)
        QThread::msleep(50);
    if (daemon::OwnerLock::ownerPid(home) == 0)
        return {};
    return Error{QStringLiteral("owner_running"),
                 QStringLiteral("the Keyward owner (pid %1) did not stop%2: quit the tray app or stop `keyward serve`, then "
                                "run keyward reset again")
                     .arg(pid)
                     .arg(asked ? QString() : QStringLiteral(" (%1)").arg(asked.error().message))};
}

} // namespace

int runReset(const QStringList &args)
{
    Output out;
    QCommandLineParser parser;
    const QCommandLineOption yes(QStringLiteral("yes"), QStringLiteral("Do not ask for confirmation."));
    parser.addOption(yes);
    if (const auto stop = parseSubcommand(parser, args, out,
                                          QStringLiteral("Remove every secret, the config and the audit of this home. "
                                                         "Asks you to type `reset` unless --yes is given.")))
        return *stop;
    if (!parser.positionalArguments().isEmpty())
        return out.usageError(QStringLiteral("keyward reset takes no arguments"));
    if (!parser.isSet(yes) && !stdinIsTerminal()) {
        return out.usageError(QStringLiteral("keyward reset asks for confirmation on a terminal; without one, pass "
                                             "--yes to confirm (nothing was removed)"));
    }

    const KeywardHome home = KeywardHome::fromEnvironment();
    auto collectKeys = [&home]() -> Result<QStringList> {
        QStringList keys;
        for (const QString &path : QStringList{home.configFile(), home.configFile() + QStringLiteral(".bak")}) {
            const auto named = keysNamedBy(path);
            if (!named)
                return named.error();
            for (const QString &key : *named) {
                if (!keys.contains(key))
                    keys.append(key);
            }
        }
        return keys;
    };
    // Asked before the lock is taken, so a pending prompt never blocks other commands.
    if (!parser.isSet(yes)) {
        const auto shown = collectKeys();
        if (!shown)
            return out.error(shown.error().code, shown.error().message);
        if (!confirmedOnTerminal(out, home, *shown))
            return out.error(QStringLiteral("not_confirmed"), QStringLiteral("reset not confirmed: nothing was removed"));
    }

    auto lock = HomeLock::acquire(home);
    if (!lock)
        return out.error(lock.error().code, lock.error().message + QStringLiteral("; nothing was removed"));
    // A running owner holds audit.db open and secrets in memory: it stops first.
    if (const auto stopped = stopOwner(home); !stopped)
        return out.error(stopped.error().code, stopped.error().message + QStringLiteral("; nothing was removed"));
    const auto collected = collectKeys();
    if (!collected)
        return out.error(collected.error().code, collected.error().message);
    const QStringList &keys = *collected;

    QStringList removedKeys;
    QStringList remainingKeys;
    std::optional<Error> firstKeychainError;
    if (!keys.isEmpty() && usesFileStore(home.configFile())) {
        removedKeys = keys; // deleted with secrets.kwv below
    } else if (!keys.isEmpty()) {
        auto store = makeSecretStore(home, Config{});
        if (!store)
            return out.error(store.error().code, store.error().message);
        for (const QString &key : keys) {
            const auto removed = runStoreCall([&](SecretStore::DoneCallback done) { (*store)->remove(key, done); });
            if (removed || removed.error().code == QLatin1String(secret_errors::kNotFound)) {
                removedKeys.append(key);
            } else {
                remainingKeys.append(key);
                if (!firstKeychainError)
                    firstKeychainError = removed.error();
            }
        }
    }
    if (!remainingKeys.isEmpty()) {
        return out.error(
            firstKeychainError->code,
            QStringLiteral("reset stopped: %1 still in the keychain (%2)%3; the config, state and audit log were kept "
                           "so that `keyward reset` can finish once the keychain works: %4")
                .arg(remainingKeys.size() == 1 ? QStringLiteral("1 entry is") : QStringLiteral("%1 entries are").arg(remainingKeys.size()))
                .arg(remainingKeys.join(QStringLiteral(", ")))
                .arg(removedKeys.isEmpty() ? QString() : QStringLiteral(", removed: %1").arg(removedKeys.join(QStringLiteral(", "))))
                .arg(firstKeychainError->message));
    }

    QStringList removedFiles;
    QStringList keptFiles;
    for (const QString &path : filesOf(home)) {
        if (!QFileInfo::exists(path) && !QFileInfo(path).isSymLink())
            continue;
        if (QFile::remove(path))
            removedFiles.append(path);
        else
            keptFiles.append(path);
    }
    if (!keptFiles.isEmpty()) {
        return out.error(QStringLiteral("reset_incomplete"),
                         QStringLiteral("the secrets are removed, but %1 could not be deleted: check that they and "
                                        "their folder are yours and writable, then run `keyward reset` again")
                             .arg(keptFiles.join(QStringLiteral(", "))));
    }

    if (out.json()) {
        json secrets = json::array();
        for (const QString &key : removedKeys)
            secrets.push_back(key.toStdString());
        json files = json::array();
        for (const QString &path : removedFiles)
            files.push_back(path.toStdString());
        out.object({{"reset", true}, {"secrets", secrets}, {"files", files}});
    } else {
        out.message(QStringLiteral("Reset %1: removed %2 from the keychain and %3.")
                        .arg(describeHome(home))
                        .arg(removedKeys.isEmpty() ? QStringLiteral("no secrets")
                                                   : QStringLiteral("%1 (%2)").arg(removedKeys.size() == 1
                                                                                       ? QStringLiteral("1 secret")
                                                                                       : QStringLiteral("%1 secrets").arg(removedKeys.size()))
                                                         .arg(removedKeys.join(QStringLiteral(", "))))
                        .arg(removedFiles.isEmpty() ? QStringLiteral("no files (there were none)")
                                                    : removedFiles.join(QStringLiteral(", "))));
    }
    return ExitOk;
}

} // namespace keyward::cli
