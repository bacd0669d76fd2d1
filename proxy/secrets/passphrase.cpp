#include "secrets/passphrase.h"

#include <sodium.h>

#include <QFile>

#if defined(Q_OS_UNIX)
#include <sys/stat.h>
#endif

namespace keyward {

namespace {

Error problem(const QString &path, const QString &what)
{
    return {QStringLiteral("passphrase_file"),
            QStringLiteral("the passphrase file %1 (KEYWARD_PASSPHRASE_FILE) %2").arg(path, what)};
}

} // namespace

Result<QByteArray> readPassphraseFile(const QString &path)
{
#if defined(Q_OS_UNIX)
    struct stat info {};
    if (::stat(QFile::encodeName(path).constData(), &info) != 0)
        return problem(path, QStringLiteral("does not exist: create it with the passphrase, or unset the variable"));
    if (!S_ISREG(info.st_mode))
        return problem(path, QStringLiteral("is not a regular file: point the variable at a file holding the passphrase"));
    if ((info.st_mode & 077) != 0) {
        return problem(path, QStringLiteral("is accessible by group or others (mode %1): run chmod 600 on it")
                                 .arg(unsigned(info.st_mode) & 07777u, 4, 8, QLatin1Char('0')));
    }
#endif
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return problem(path, QStringLiteral("cannot be read (%1): make it readable by you").arg(file.errorString()));
    QByteArray bytes = file.read(kMaxPassphraseBytes + 3);
    if (bytes.size() > kMaxPassphraseBytes + 2) {
        sodium_memzero(bytes.data(), size_t(bytes.size()));
        return problem(path, QStringLiteral("is larger than 64 KiB: it must hold only the passphrase"));
    }
    if (bytes.endsWith("\r\n"))
        bytes.chop(2);
    else if (bytes.endsWith('\n'))
        bytes.chop(1);
    if (bytes.isEmpty())
        return problem(path, QStringLiteral("is empty: write the passphrase into it"));
    return bytes;
}

Result<std::optional<QByteArray>> passphraseFromEnvironment()
{
    const QString path = qEnvironmentVariable(kPassphraseFileVariable);
    if (path.isEmpty())
        return std::optional<QByteArray>();
    auto passphrase = readPassphraseFile(path);
    if (!passphrase)
        return passphrase.error();
    return std::optional<QByteArray>(std::move(passphrase).value());
}

} // namespace keyward
