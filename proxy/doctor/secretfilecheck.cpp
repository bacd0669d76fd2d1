#include "doctor/checks.h"

#include "secrets/filestore.h"
#include "secrets/passphrase.h"

#include <sodium.h>

#include <QFile>
#include <QFileInfo>

#if defined(Q_OS_UNIX)
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace keyward::doctor_checks {

namespace {

const QString kSecretFileName = QString::fromLatin1(kSecretFile);

void wipe(QByteArray &bytes)
{
    if (!bytes.isEmpty())
        sodium_memzero(bytes.data(), size_t(bytes.size()));
    bytes.clear();
}

// The part of a store error after its first ": " (our messages are "problem: fix").
QString fixPart(const QString &message, const QString &fallback)
{
    const qsizetype colon = message.indexOf(QLatin1String(": "));
    return colon > 0 && colon + 2 < message.size() ? message.mid(colon + 2) : fallback;
}

} // namespace

QString headlessChoice()
{
    return QStringLiteral("on a headless machine without a keychain, use the encrypted file store instead: set "
                          "\"settings\": {\"secretStore\": \"file\"} in config.json and give the passphrase with "
                          "KEYWARD_PASSPHRASE_FILE (a file only you can read) or `keyward unlock`");
}

DoctorCheck secretFile(const KeywardHome &home)
{
    const QString path = FileStore::pathIn(home);
    auto fromEnvironment = passphraseFromEnvironment();
    if (!fromEnvironment) {
        return DoctorCheck::fail(kSecretFileName, fromEnvironment.error().message,
                                 QStringLiteral("make KEYWARD_PASSPHRASE_FILE name a regular file that only you can "
                                                "read (chmod 600) holding the passphrase, or unset it to be asked on "
                                                "a terminal"));
    }
    const bool havePassphrase = fromEnvironment->has_value();
    QByteArray passphrase = havePassphrase ? std::move(**fromEnvironment) : QByteArray();
    const QString source = havePassphrase
        ? QStringLiteral("the passphrase from KEYWARD_PASSPHRASE_FILE")
        : QStringLiteral("a passphrase asked on the terminal (KEYWARD_PASSPHRASE_FILE is not set)");

    if (!QFileInfo::exists(path)) {
        if (havePassphrase && passphrase.size() < FileStore::kMinNewPassphraseBytes) {
            wipe(passphrase);
            return DoctorCheck::fail(kSecretFileName,
                                     QStringLiteral("the passphrase in KEYWARD_PASSPHRASE_FILE is shorter than %1 bytes, "
                                                    "too short for a new secrets.kwv")
                                         .arg(FileStore::kMinNewPassphraseBytes),
                                     QStringLiteral("write a longer passphrase into the file"));
        }
        wipe(passphrase);
        return DoctorCheck::pass(kSecretFileName, QStringLiteral("no secrets.kwv yet (%1); it is created with %2 when "
                                                                 "the first secret is stored")
                                                      .arg(path, source));
    }

#if defined(Q_OS_UNIX)
    struct stat info {};
    if (::stat(QFile::encodeName(path).constData(), &info) == 0) {
        if (info.st_uid != ::geteuid()) {
            wipe(passphrase);
            return DoctorCheck::fail(kSecretFileName, QStringLiteral("%1 belongs to user id %2, not to you").arg(path).arg(info.st_uid),
                                     QStringLiteral("chown \"$(id -un)\" %1").arg(shellQuote(path)));
        }
        if ((unsigned(info.st_mode) & 07777u) != 0600u) {
            wipe(passphrase);
            return DoctorCheck::fail(kSecretFileName,
                                     QStringLiteral("%1 has mode %2, not 0600")
                                         .arg(path)
                                         .arg(unsigned(info.st_mode) & 07777u, 4, 8, QLatin1Char('0')),
                                     QStringLiteral("chmod 600 %1").arg(shellQuote(path)));
        }
    }
#endif

    if (!havePassphrase) {
        const auto header = FileStore::checkHeader(path);
        if (!header) {
            return DoctorCheck::fail(kSecretFileName, header.error().message,
                                     fixPart(header.error().message, QStringLiteral("restore secrets.kwv from a backup")));
        }
        return DoctorCheck::pass(kSecretFileName,
                                 QStringLiteral("%1 is an encrypted store this Keyward reads; it opens with %2 (set "
                                                "KEYWARD_PASSPHRASE_FILE to check the passphrase here)")
                                     .arg(path, source));
    }

    FileStore store(path);
    const auto unlocked = store.unlock(passphrase);
    wipe(passphrase);
    if (!unlocked) {
        const bool wrong = unlocked.error().message.startsWith(QLatin1String("wrong passphrase"));
        return DoctorCheck::fail(kSecretFileName, unlocked.error().message,
                                 wrong ? QStringLiteral("put the passphrase secrets.kwv was created with into the file "
                                                        "KEYWARD_PASSPHRASE_FILE names")
                                       : fixPart(unlocked.error().message, QStringLiteral("restore secrets.kwv from a backup")));
    }
    const qsizetype count = store.entryCount();
    store.lock();
    return DoctorCheck::pass(kSecretFileName, QStringLiteral("%1 opens with %2 (%3 secret%4)")
                                                  .arg(path, source)
                                                  .arg(count)
                                                  .arg(count == 1 ? QString() : QStringLiteral("s")));
}

} // namespace keyward::doctor_checks
