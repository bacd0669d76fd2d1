#pragma once

#include "core/keywardhome.h"
#include "core/result.h"

#include <nlohmann/json.hpp>

#include <QByteArray>
#include <QString>

// The owner's local socket protocol (DESIGN.md "Processes"), version 1.
//
// The socket is `owner.sock` in the home's run directory (mode 0700; the socket itself is
// user-only and the owner also checks the peer's uid). Every message is one line of JSON ending
// in '\n'. A connection starts with the client's hello:
//   {"protocol":"keyward-owner","version":1,"kind":"mcp","agent":"<name or empty>"}
//   {"protocol":"keyward-owner","version":1,"kind":"admin","op":"status|reload|unlock|stop"}
//   (unlock also carries "passphrase": the encrypted file store's passphrase)
//   {"protocol":"keyward-owner","version":1,"kind":"admin","op":"show","window":"audit"}
//   {"protocol":"keyward-owner","version":1,"kind":"admin","op":"confirm","summary":"<text>"}
//   (show: the tray app opens that window; confirm: the tray app asks the user to confirm a
//   change that widens access and answers {"confirmed":bool,"asked":bool} when the user has
//   decided, or at once with asked:false where no tray runs)
// and the owner's answer:
//   {"protocol":"keyward-owner","version":1,"ok":true,"pid":N, ...}   or
//   {"protocol":"keyward-owner","version":1,"ok":false,"error":{"code":"...","message":"..."}}
// after which an "mcp" connection carries MCP JSON-RPC frames, one per line, both ways, for one
// MCP session; an "admin" connection is closed by the owner after its answer. A client that
// speaks another version gets ok:false with code "protocol_version" and the connection closes.
namespace keyward::daemon {

inline constexpr const char *kProtocolName = "keyward-owner";
inline constexpr int kProtocolVersion = 1;
// The longest line either side accepts: an MCP message of 4 MiB plus framing.
inline constexpr qsizetype kMaxLineBytes = 4 * 1024 * 1024 + 64 * 1024;
// How long the owner waits for a hello, and a client for an answer.
inline constexpr int kHelloTimeoutMs = 5000;

namespace owner_errors {
inline constexpr const char *kNotRunning = "owner_not_running";
inline constexpr const char *kProtocol = "protocol_version";
inline constexpr const char *kBadHello = "bad_hello";
} // namespace owner_errors

// The socket path of `home`.
QString ownerSocketPath(const KeywardHome &home);

// A hello or answer line (with the trailing '\n').
QByteArray helloLine(const nlohmann::json &fields);
QByteArray answerLine(const nlohmann::json &fields);
QByteArray errorAnswerLine(const QString &code, const QString &message);

// Parses one line received as a hello (owner side) or an answer (client side): checks that it is
// a JSON object of this protocol and version.
Result<nlohmann::json> parseHello(const QByteArray &line);
Result<nlohmann::json> parseAnswer(const QByteArray &line);

} // namespace keyward::daemon
