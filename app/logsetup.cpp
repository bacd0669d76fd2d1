#include "logsetup.h"

#include <QByteArray>
#include <QString>
#include <QtGlobal>

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

} // namespace keyward::app
