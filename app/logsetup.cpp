#include "logsetup.h"

#include <QByteArray>
#include <QFile>
#include <QString>
#include <QtGlobal>

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace keyward::app {

namespace {

void forwardQtMessage(QtMsgType type, const QMessageLogContext &, const QString &text)
{
    static const auto qt = [] {
        auto logger = spdlog::default_logger()->clone("qt");
        spdlog::register_logger(logger);
        return logger;
    }();
    const std::string message = text.toStdString();
    switch (type) {
    case QtDebugMsg: qt->debug(message); break;
    case QtInfoMsg: qt->info(message); break;
    case QtWarningMsg: qt->warn(message); break;
    case QtCriticalMsg: qt->error(message); break;
    case QtFatalMsg: qt->critical(message); break;
    }
}

} // namespace

void setUpLogging()
{
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    auto root = std::make_shared<spdlog::logger>("keyward", sink);
    root->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v");
    const QByteArray level = qgetenv("KEYWARD_LOG");
    root->set_level(level.isEmpty() ? spdlog::level::warn : spdlog::level::from_str(level.toStdString()));
    spdlog::set_default_logger(root);
    qInstallMessageHandler(forwardQtMessage);
}

Result<void> addLogFile(const QString &path)
{
    constexpr std::size_t kMaxBytes = 5 * 1024 * 1024;
    constexpr std::size_t kFiles = 3;
    try {
        // Created here first so its mode is 0600 before anything is written to it.
        QFile file(path);
        if (!file.exists() && file.open(QIODevice::WriteOnly | QIODevice::Append))
            file.close();
        QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);
        auto sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(path.toStdString(), kMaxBytes, kFiles);
        sink->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l [%n] %v");
        spdlog::apply_all([&sink](const std::shared_ptr<spdlog::logger> &logger) { logger->sinks().push_back(sink); });
        // Loggers created later copy the default logger's sinks (core/logging.cpp): it has it already.
    } catch (const spdlog::spdlog_ex &error) {
        return Error{QStringLiteral("log_error"), QStringLiteral("cannot write %1: %2").arg(path, QString::fromUtf8(error.what()))};
    }
    return {};
}

} // namespace keyward::app
