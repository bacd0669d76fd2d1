// `keyward run --env VAR=@REF... -- COMMAND [ARGS...]` (DESIGN.md "CLI"): starts a command that
// `keyward clients migrate` recorded, with the secrets of its refs in its environment.
//
// Every REF must be in config.json's runRefs with that VAR, and its recorded command must equal
// COMMAND ARGS... exactly, so a ref cannot hand its secret to anything else. The secrets are read
// from the SecretStore (env/<ref>), set in this process's environment only, and the command then
// replaces this process (execvp): signals, stdin/stdout/stderr and the exit code are the child's.
// No secret is ever in argv, a message or a log.

#include "cli/adminsupport.h"
#include "cli/commands.h"

#include "config/configjson.h"
#include "core/keywardhome.h"
#include "core/names.h"

#include <QEventLoop>
#include <QRegularExpression>
#include <QTimer>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <vector>

#ifndef Q_OS_WIN
#include <unistd.h>
#endif

namespace keyward::cli {

namespace {

const char *const kRunHelp =
    "Usage: keyward run --env VAR=@REF... -- COMMAND [ARGS...]\n\n"
    "Starts COMMAND with the secret of each REF (stored by `keyward clients migrate` as env/REF in the\n"
    "keychain) in the environment variable VAR. Only the exact command recorded for a REF (runRefs in\n"
    "config.json) may be started with it; the command replaces this process, so its exit code is the\n"
    "command's.\n\n"
    "Options:\n"
    "  --env VAR=@REF   put the secret of REF into VAR (repeatable)\n"
    "  --json           errors as JSON\n"
    "  -h, --help       show this help\n";

struct EnvRef {
    QString var;
    QString ref;
};

Result<QByteArray> readSecret(SecretStore &store, const QString &key)
{
    std::optional<Result<QByteArray>> result;
    QEventLoop loop;
    store.read(key, [&](Result<QByteArray> value) {
        result = std::move(value);
        loop.quit();
    });
    if (!result) {
        QTimer::singleShot(kKeychainTimeoutMs + 5000, &loop, &QEventLoop::quit);
        loop.exec();
    }
    if (!result) {
        return Error{QString::fromLatin1(secret_errors::kKeychain),
                     QStringLiteral("the keychain did not answer; unlock it (or run `keyward doctor`) and try again")};
    }
    return *result;
}

QString quoted(const QStringList &command)
{
    QStringList parts;
    for (const QString &part : command)
        parts.append(part.contains(u' ') || part.isEmpty() ? u'\'' + part + u'\'' : part);
    return parts.join(u' ');
}

} // namespace

int runRun(const QStringList &args)
{
    // --json counts only among keyward's own options, before `--`.
    const qsizetype separator = args.indexOf(QStringLiteral("--"));
    const Output out(args.mid(0, separator < 0 ? args.size() : separator).contains(QStringLiteral("--json")));
    static const QRegularExpression envName(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]{0,127}$"));
    std::vector<EnvRef> refs;
    QStringList command;
    bool sawSeparator = false;
    for (qsizetype i = 1; i < args.size(); ++i) {
        const QString &arg = args.at(i);
        if (sawSeparator) {
            command.append(arg);
            continue;
        }
        if (arg == QLatin1String("--")) {
            sawSeparator = true;
        } else if (arg == QLatin1String("--help") || arg == QLatin1String("-h")) {
            std::fputs(kRunHelp, stdout);
            return ExitOk;
        } else if (arg == QLatin1String("--json")) {
            continue;
        } else if (arg == QLatin1String("--env") || arg.startsWith(QLatin1String("--env="))) {
            QString value;
            if (arg == QLatin1String("--env")) {
                if (i + 1 >= args.size())
                    return out.usageError(QStringLiteral("--env needs VAR=@REF"));
                value = args.at(++i);
            } else {
                value = arg.mid(6);
            }
            const qsizetype eq = value.indexOf(QLatin1String("=@"));
            // The value is not echoed: it could be a secret typed where a ref belongs.
            if (eq <= 0)
                return out.usageError(QStringLiteral("--env takes VAR=@REF (a variable name, '=@', a ref name)"));
            EnvRef ref{value.left(eq), value.mid(eq + 2)};
            if (!envName.match(ref.var).hasMatch())
                return out.usageError(QStringLiteral("--env: VAR must be an environment variable name (letters, digits, _)"));
            if (!isValidName(ref.ref))
                return out.usageError(QStringLiteral("--env: REF must match [a-z0-9][a-z0-9_-]{0,63}"));
            refs.push_back(ref);
        } else {
            return out.usageError(QStringLiteral("keyward run takes only --env VAR=@REF options before `--`; see keyward "
                                                 "run --help"));
        }
    }
    if (!sawSeparator || command.isEmpty())
        return out.usageError(QStringLiteral("keyward run needs `-- COMMAND [ARGS...]` after its --env options"));
    if (refs.empty())
        return out.usageError(QStringLiteral("keyward run needs at least one --env VAR=@REF"));

    const KeywardHome home = KeywardHome::fromEnvironment();
    auto config = loadConfigFile(home.configFile());
    if (!config)
        return out.error(config.error().code, config.error().message);
    for (const EnvRef &ref : refs) {
        const auto found = config->runRefs.find(ref.ref);
        if (found == config->runRefs.end()) {
            return out.error(QStringLiteral("not_allowed"),
                             QStringLiteral("there is no ref '%1' in runRefs; `keyward clients migrate` records refs").arg(ref.ref));
        }
        if (found->second.env != ref.var || found->second.command != command) {
            return out.error(QStringLiteral("not_allowed"),
                             QStringLiteral("ref '%1' allows only %2=@%1 -- %3; refusing to start anything else")
                                 .arg(ref.ref, found->second.env, quoted(found->second.command)));
        }
    }

    auto store = makeSecretStore(home, *config);
    if (!store)
        return out.error(store.error().code, store.error().message);
    for (const EnvRef &ref : refs) {
        auto secret = readSecret(*store.value(), QStringLiteral("env/") + ref.ref);
        if (!secret) {
            if (secret.error().code == QLatin1String(secret_errors::kNotFound)) {
                return out.error(secret.error().code,
                                 QStringLiteral("the secret of ref '%1' is not in %2; run `keyward clients migrate` again "
                                                "or `keyward clients undo` for its client")
                                     .arg(ref.ref, secretStoreLabel(*config)));
            }
            return out.error(secret.error().code, secret.error().message);
        }
        QByteArray value = std::move(secret).value();
        if (value.contains('\0'))
            return out.error(QStringLiteral("invalid_secret"), QStringLiteral("the secret of ref '%1' contains a NUL byte").arg(ref.ref));
        qputenv(ref.var.toLocal8Bit().constData(), value);
        value.fill('\0');
    }

#ifdef Q_OS_WIN
    return out.error(QStringLiteral("not_supported"), QStringLiteral("keyward run is not available on Windows yet"));
#else
    std::vector<QByteArray> storage;
    for (const QString &part : command)
        storage.push_back(part.toLocal8Bit());
    std::vector<char *> argv;
    for (QByteArray &part : storage)
        argv.push_back(part.data());
    argv.push_back(nullptr);
    std::fflush(stdout);
    std::fflush(stderr);
    ::execvp(argv.front(), argv.data());
    const int error = errno;
    for (const EnvRef &ref : refs)
        qunsetenv(ref.var.toLocal8Bit().constData());
    return out.error(QStringLiteral("exec_failed"),
                     QStringLiteral("cannot start %1: %2").arg(command.first(), QString::fromLocal8Bit(std::strerror(error))));
#endif
}

} // namespace keyward::cli
