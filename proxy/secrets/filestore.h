#pragma once

#include "core/keywardhome.h"
#include "secrets/secretstore.h"

#include <QByteArray>
#include <QObject>
#include <QString>

#include <memory>

namespace keyward {

// The SecretStore for machines without an OS keychain (DESIGN.md "Files": settings.secretStore
// "file"): every secret of the home in one encrypted file, `secrets.kwv` under the data dir.
//
// Format (all integers big-endian); the 100-byte header is the AEAD's associated data, so any
// change to it is detected:
//   0  8  magic "KWVAULT\0"
//   8  2  format version (1)
//  10  1  key derivation: 1 = Argon2id v1.3 (crypto_pwhash_ALG_ARGON2ID13)
//  11  1  reserved, 0
//  12  8  Argon2id opslimit
//  20  8  Argon2id memlimit in bytes
//  28 16  salt (random per file, kept across writes)
//  44 32  key check: BLAKE2b of a fixed label keyed with a subkey of the derived key, so a wrong
//         passphrase is told apart from a damaged file
//  76 24  nonce (fresh and random for every write)
// 100  …  XChaCha20-Poly1305 (IETF) ciphertext of the key->secret map, with its 16-byte tag
// The plaintext is: u32 entry count, then per entry u16 key length, key (UTF-8), u32 secret
// length, secret bytes; keys in order.
//
// States: a store starts locked; unlock() derives the key from the passphrase (a missing file is a
// new, empty store that takes that passphrase when it is first written) and lock() zeroes and
// drops the key and the secrets. While locked every call fails with `keychain_error` "store locked:
// run keyward unlock". The key and the decrypted secrets live in sodium_malloc'd memory (guarded,
// mlock'd where the system allows, zeroed when freed); plaintext buffers are zeroed after use.
//
// Several stores may use one file (the owner and an admin command, two instances in one process):
// every write or remove takes `secrets.kwv.lock` (QLockFile; a lock left by a dead process is taken
// over), re-reads the file when another writer changed it since this store last saw it, applies
// its one change and writes the whole file atomically (QSaveFile, mode 0600, directory 0700). So
// no writer loses another's entries. Reads pick up other writers' changes too (the file's nonce
// tells whether it changed; an unchanged file is not decrypted again). A file re-created with a
// different passphrase (salt) by another process fails with "unlock again". A file that
// disappeared (keyward reset) reads as empty.
//
// Calls run synchronously (file I/O and one decryption, no key derivation) and call back from the
// event loop, as the SecretStore contract says; destroying the store drops pending callbacks.
// unlock() runs Argon2id on the calling thread (about a second with the default parameters).
class FileStore : public QObject, public SecretStore {
    Q_OBJECT
public:
    // Argon2id cost of a store. Recorded in each file's header, so a file keeps the cost it was
    // created with and the default can be raised later without breaking old files.
    struct KdfParams {
        quint64 opsLimit = 0;
        quint64 memLimitBytes = 0;

        // crypto_pwhash OPSLIMIT/MEMLIMIT_MODERATE (3 passes, 256 MiB): the default. The key is
        // derived once when the owner starts (or once per admin command while no owner runs), so
        // about a second is affordable, and the file is the only thing an attacker who copies it
        // can attack offline: the higher memory cost is worth it. INTERACTIVE (64 MiB) is 4x
        // cheaper to brute-force; SENSITIVE (1 GiB) does not fit small servers.
        static KdfParams moderate();
        // crypto_pwhash OPSLIMIT/MEMLIMIT_INTERACTIVE (2 passes, 64 MiB); for tests.
        static KdfParams interactive();
        // libsodium's minimum; for tests that unlock many stores.
        static KdfParams minimum();
    };

    static constexpr qsizetype kMinNewPassphraseBytes = 8;
    static constexpr qsizetype kMaxFileBytes = 64 * 1024 * 1024;
    static constexpr int kLockTimeoutMs = 10000;

    // "secrets.kwv"
    static QString fileName();
    // The file of `home`: secrets.kwv in its data dir.
    static QString pathIn(const KeywardHome &home);
    // The message of every call while locked: "store locked: run keyward unlock".
    static QString lockedMessage();

    // Checks, without the passphrase, that the file at `path` starts with a header this build reads
    // (magic, format version, key derivation and its costs in range). The errors of unlock().
    static Result<void> checkHeader(const QString &path);

    // A locked store of the file at `path`. `newStoreParams` is the Argon2id cost a new file gets.
    explicit FileStore(const QString &path, KdfParams newStoreParams = KdfParams::moderate(), QObject *parent = nullptr);
    ~FileStore() override;

    QString path() const { return m_path; }
    // How long a write or remove waits for another writer's lock before it fails (kLockTimeoutMs
    // unless set).
    void setLockTimeout(int milliseconds) { m_lockTimeoutMs = milliseconds; }
    // Whether the file exists (a store that was never written has none).
    bool exists() const;
    bool isUnlocked() const;
    // How many secrets the unlocked store holds (as last read); 0 while locked.
    qsizetype entryCount() const;

    // Derives the key from `passphrase` and loads the secrets. Errors (code keychain_error), each
    // naming the file: an empty passphrase; for a new store one under kMinNewPassphraseBytes; a
    // wrong passphrase ("wrong passphrase for secrets.kwv ..."); a damaged, truncated or tampered
    // file; a file written by a newer Keyward; an unreadable file. On error the store stays (or
    // becomes) locked. The passphrase is not kept.
    Result<void> unlock(const QByteArray &passphrase);
    // Zeroes and drops the key and every secret held in memory.
    void lock();

    void read(const QString &key, ReadCallback done) override;
    void write(const QString &key, const QByteArray &secret, DoneCallback done) override;
    void remove(const QString &key, DoneCallback done) override;

    // The synchronous forms of read/write/remove (same results, returned at once).
    Result<QByteArray> readNow(const QString &key);
    Result<void> writeNow(const QString &key, const QByteArray &secret);
    Result<void> removeNow(const QString &key);

private:
    struct State;

    Result<void> refresh();
    Result<void> change(const QString &key, const QByteArray *secret);

    QString m_path;
    KdfParams m_newStoreParams;
    int m_lockTimeoutMs = kLockTimeoutMs;
    std::unique_ptr<State> m_state; // null while locked
};

} // namespace keyward
