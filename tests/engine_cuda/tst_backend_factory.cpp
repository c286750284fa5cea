// Device selection: --device parsing, CPU fallback with a one-line reason, the GPU summary
// for the UI. Runs on every machine; what it expects depends on whether a GPU answers.

#include "backend/BackendFactory.h"
#include "core/Error.h"

#include <QtTest>

#include <dlfcn.h>

class BackendFactoryTest : public QObject {
    Q_OBJECT
private slots:
    void parsesDeviceNames() {
        QCOMPARE(int(lv::parseDeviceRequest("auto")), int(lv::DeviceRequest::Auto));
        QCOMPARE(int(lv::parseDeviceRequest("cpu")), int(lv::DeviceRequest::Cpu));
        QCOMPARE(int(lv::parseDeviceRequest("cuda")), int(lv::DeviceRequest::Cuda));
        try {
            lv::parseDeviceRequest("tpu");
            QFAIL("'tpu' was accepted");
        } catch (const lv::EngineError& e) {
            QVERIFY(QString(e.what()).contains("'tpu'"));
        }
    }

    void cpuRequestGivesTheCpu() {
        auto choice = lv::chooseBackend(lv::DeviceRequest::Cpu);
        QVERIFY(choice.backend);
        QCOMPARE(int(choice.backend->device()), int(lv::DeviceKind::Cpu));
        QVERIFY(choice.fallbackReason.empty());
    }

    void cudaRequestRunsOrSaysWhyNot() {
        const lv::GpuInfo gpu = lv::probeGpu(0);
        qInfo().noquote() << QString::fromStdString(lv::describeGpu(gpu));
        auto choice = lv::chooseBackend(lv::DeviceRequest::Cuda);
        QVERIFY(choice.backend);
        if (gpu.usable) {
            QCOMPARE(int(choice.backend->device()), int(lv::DeviceKind::Cuda));
            QVERIFY(choice.fallbackReason.empty());
            QVERIFY(gpu.totalBytes >= gpu.freeBytes && gpu.freeBytes > 0);
        } else {
            QCOMPARE(int(choice.backend->device()), int(lv::DeviceKind::Cpu));
            QVERIFY(!gpu.reason.empty());
            QVERIFY(QString::fromStdString(choice.fallbackReason).contains("running on the CPU"));
            QVERIFY(choice.fallbackReason.find('\n') == std::string::npos);
            // A machine without the driver's library (CI) is told so, not that its driver
            // is too old.
            if (void* driver = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL))
                dlclose(driver);
            else
                QVERIFY2(gpu.reason.find("no NVIDIA driver found") != std::string::npos,
                         gpu.reason.c_str());
        }
    }

    void tooLittleMemoryFallsBack() {
        const lv::GpuInfo gpu = lv::probeGpu(0);
        if (!gpu.usable) QSKIP("no CUDA device: the memory check needs one");
        auto choice = lv::chooseBackend(lv::DeviceRequest::Auto, gpu.totalBytes + (1ull << 30));
        QCOMPARE(int(choice.backend->device()), int(lv::DeviceKind::Cpu));
        QVERIFY(QString::fromStdString(choice.fallbackReason).contains("needed"));
    }

    void autoPicksTheGpuWhenUsable() {
        const lv::GpuInfo gpu = lv::probeGpu(0);
        auto choice = lv::chooseBackend(lv::DeviceRequest::Auto);
        QCOMPARE(int(choice.backend->device()),
                 int(gpu.usable ? lv::DeviceKind::Cuda : lv::DeviceKind::Cpu));
    }
};

QTEST_GUILESS_MAIN(BackendFactoryTest)
#include "tst_backend_factory.moc"
