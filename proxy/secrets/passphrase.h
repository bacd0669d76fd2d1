#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace keyward {

// Where the passphrase of the encrypted-file store comes from without a terminal (DESIGN.md
// "Files"): the file named by KEYWARD_PASSPHRASE_FILE.
inline constexpr const char *kPassphraseFileVariable = "KEYWARD_PASSPHRASE_FILE";

// The largest passphrase file accepted.
inline constexpr qsizetype kMaxPassphraseBytes = 64 * 1024;

// Reads the passphrase from `path`: it must be a regular file (a symlink to one is followed) that
// neither group nor others may access (mode 0600 or 0400), at most kMaxPassphraseBytes; one
// trailing LF or CRLF is stripped and an empty passphrase is refused. Errors (code
// "passphrase_file") name the file and say what to do, never what it contains.
Result<QByteArray> readPassphraseFile(const QString &path);

// The passphrase from KEYWARD_PASSPHRASE_FILE: nullopt when the variable is unset or empty,
// otherwise readPassphraseFile() of the path it names.
Result<std::optional<QByteArray>> passphraseFromEnvironment();

} // namespace keyward
