#pragma once

#include "core/result.h"
#include "state/killswitches.h"

#include <nlohmann/json.hpp>

#include <QByteArray>
#include <QString>

namespace keyward {

// state.json (DESIGN.md "Files"): the kill switches, and UI state the GUI keeps in sections of its
// own. The one place its text becomes data:
//
//   {"version": 1, "kill": {"all": false, "services": ["github"], "agents": ["cursor"]}, ...}
//
// `version` is required; a file of a newer version is refused (nothing in it is guessed at).
// `kill` may be missing (nothing killed) and its fields default to false / []; an unknown key in
// it, a name that is not [a-z0-9][a-z0-9_-]{0,63} or a wrong type is an error naming its JSON
// pointer. Every other top-level key belongs to someone else: it is neither checked nor changed,
// and is written back as it was. A missing file means nothing is killed.
//
// Errors: code `state_invalid` for text that is not such a document (the message names the file,
// the line and column or the pointer, and how to fix it), `state_io` when the file cannot be read
// or written.
inline constexpr int kStateVersion = 1;

namespace state_errors {
inline constexpr const char *kInvalid = "state_invalid";
inline constexpr const char *kIo = "state_io";
} // namespace state_errors

struct StateFile {
    bool exists = false;
    nlohmann::json document = nlohmann::json::object(); // the whole file, every section
    KillSwitches kill;
};

// Parses the text of state.json; `path` only names the file in error messages.
Result<StateFile> parseStateFile(const QByteArray &text, const QString &path);
// Reads and parses `path`; a missing file gives an empty StateFile (exists false).
Result<StateFile> readStateFile(const QString &path);
// Writes `document` with `kill` as its kill section and the current version, atomically
// (QSaveFile) with mode 0600, creating the directory (mode 0700) if needed.
Result<void> writeStateFile(const QString &path, nlohmann::json document, const KillSwitches &kill);

enum class KillAction {
    Kill,             // set the target's switch
    Resume,           // clear the target's switch (All: only the global one)
    ResumeEverything, // clear every switch
};

struct KillChange {
    KillSwitches before;
    KillSwitches after;
    // Where an unreadable state.json was moved before a fresh one was written (see below).
    QString setAside;
    bool changed() const { return !(before == after); }
};

// One read-modify-write of the kill section of `path`; the caller holds the home's lock
// (HomeLock). The file is written only when the switches change; other sections are kept.
//
// An unreadable (corrupt) state.json fails safe: a global Kill still succeeds (it cannot widen
// anything) by moving the file aside to `state.json.corrupt` and writing a fresh file with only
// the global switch set; every other action is refused with the parse error, because the switches
// in force cannot be known.
Result<KillChange> changeKillSwitches(const QString &path, KillAction action, const KillTarget &target = {});

} // namespace keyward
