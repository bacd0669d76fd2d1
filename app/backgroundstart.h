#pragma once

#include <QByteArray>

#include <optional>

namespace keyward::app {

// `keyward serve --background` (DESIGN.md "Processes": started by its clients as ssh-agent is).
// Call detachIntoBackground() first thing, before any thread or connection exists. It forks:
// - the parent waits for the child's first line (its ready line or its error), prints it on
//   stdout and returns the exit code to end with (0 when the child reported ready, 1 otherwise);
// - the child returns nullopt, runs in a new session, and later calls reportReady()/reportFailure()
//   once; after reportReady() its stdin, stdout and stderr point at /dev/null.
// Without --background nothing forks and the report functions print to stdout.
std::optional<int> detachIntoBackground();

// Sends the ready line (without '\n') to whoever waits for it.
void reportReady(const QByteArray &readyLine);
// Sends a failure line (the --json error object, without '\n') to whoever waits for it.
void reportFailure(const QByteArray &errorLine);

} // namespace keyward::app
