// Checkpoint loading: single and sharded safetensors, f32/bf16/f16, tied embeddings,
// zero-copy f32 weights, and a one-line EngineError for every kind of bad checkpoint.

#include "EngineTestSupport.h"

#include "backend/ForwardingBackend.h"
#include "core/DType.h"
#include "core/Error.h"
#include "model/Model.h"
#include "runtime/ForwardWork.h"
#include "runtime/Session.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

using namespace lv;
using namespace lv::test;

namespace {

template <class Fn> QString engineErrorOf(Fn&& fn) {
    try {
        fn();
    } catch (const EngineError& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

#define EXPECT_ENGINE_ERROR(expr, ...)                                                             \
    do {                                                                                           \
        const QString msg = engineErrorOf([&] { (void)(expr); });                                  \
        QVERIFY2(!msg.isEmpty(), "no EngineError thrown");                                         \
        QVERIFY2(!msg.contains('\n'), qPrintable("not one line: " + msg));                         \
        for (const char* part : {__VA_ARGS__})                                                     \
            QVERIFY2(msg.contains(QString::fromUtf8(part)),                                        \
                     qPrintable("'" + msg + "' lacks '" + QString::fromUtf8(part) + "'"));         \
    } while (0)

// Rounds every F32 tensor to bf16 or f16.
void toHalf(std::map<std::string, RawTensor>& tensors, DType to) {
    for (auto& [name, t] : tensors) {
        if (t.dtype != "F32") continue;
        const std::size_t n = t.bytes.size() / 4;
        std::string out(n * 2, '\0');
        for (std::size_t i = 0; i < n; ++i) {
            float f;
            std::memcpy(&f, t.bytes.data() + 4 * i, 4);
            const std::uint16_t h = to == DType::BF16 ? floatToBf16(f) : floatToF16(f);
            std::memcpy(out.data() + 2 * i, &h, 2);
        }
        t.bytes = out;
        t.dtype = to == DType::BF16 ? "BF16" : "F16";
    }
}

std::vector<float> allLogits(const Model& model, const std::vector<std::int32_t>& ids) {
    Session s(model);
    std::vector<float> out;
    s.prefillAllLogits(ids, out);
    return out;
}

std::vector<float> goldenLogits(const char* fixture) {
    const SafetensorsFile g(modelFixture(fixture) / "golden.safetensors");
    const auto t = g.view(*g.find("logits"));
    return {t.as<const float>(), t.as<const float>() + t.numel()};
}

// Whether `p` lies in a read-only mapping of `file` (from /proc/self/maps).
bool mappedFrom(const void* p, const std::filesystem::path& file) {
    std::ifstream maps("/proc/self/maps");
    const auto addr = reinterpret_cast<std::uintptr_t>(p);
    const std::string canonical = std::filesystem::canonical(file).string();
    for (std::string line; std::getline(maps, line);) {
        std::istringstream ls(line);
        std::string range, perms, offset, dev, inode, path;
        ls >> range >> perms >> offset >> dev >> inode >> path;
        const auto dash = range.find('-');
        const auto lo = std::stoull(range.substr(0, dash), nullptr, 16);
        const auto hi = std::stoull(range.substr(dash + 1), nullptr, 16);
        if (addr >= lo && addr < hi) return path == canonical;
    }
    return false;
}

// A CPU backend that holds its own copy of every weight, as a GPU backend does.
class CopyingCpuBackend final : public ForwardingBackend {
public:
    explicit CopyingCpuBackend(std::unique_ptr<Backend> inner)
        : ForwardingBackend(std::move(inner)) {}
    Tensor prepareWeight(const Tensor& host) override {
        Tensor t = inner().prepareWeight(host);
        if (!t.isContiguous()) throw EngineError("copying backend: weight not contiguous");
        copies_.push_back(std::make_unique<std::uint8_t[]>(t.bytes()));
        std::memcpy(copies_.back().get(), t.data, t.bytes());
        t.data = copies_.back().get();
        return t;
    }
    void releaseWeight(const Tensor&) override {}
    bool stacks = false;
    bool stacksProducts() const override { return stacks; }

private:
    std::vector<std::unique_ptr<std::uint8_t[]>> copies_;
};

} // namespace

class EngineLoaderTest : public QObject {
    Q_OBJECT
    std::unique_ptr<Backend> cpu_ = makeCpuBackend(2);

private slots:
    void initTestCase() { LV_REQUIRE_FIXTURES(); }

    void infoFromConfigAndGenerationConfig() {
        const auto m = Model::load(modelFixture("granite_hybrid_tiny"), *cpu_);
        const auto& i = m->info();
        QCOMPARE(QString::fromStdString(i.architecture), QString("granitemoehybrid"));
        QCOMPARE(i.vocabSize, 512);
        QCOMPARE(i.hiddenSize, 64);
        QCOMPARE(i.layers, 6);
        QCOMPARE(i.mambaLayers, 4);
        QCOMPARE(i.attentionLayers, 2);
        QCOMPARE(i.contextLength, 2048);
        QCOMPARE(i.bosTokenId.value_or(-1), 1);
        QCOMPARE(i.eosTokenIds, std::vector<std::int32_t>{2});
        QCOMPARE(i.weightDtype, DType::F32);
        QCOMPARE(m->fingerprint().size(), std::size_t(32));
    }

    // Tied lm_head counted once: the count equals transformers' parameter count.
    void parameterCountMatchesTransformers() {
        for (const auto& f : supportedModelFixtures()) {
            const auto m = Model::load(modelFixture(f.c_str()), *cpu_);
            const auto meta = readJson(modelFixture(f.c_str()) / "golden.json");
            QVERIFY2(m->info().parameters == meta["n_params"].get<std::int64_t>(), f.c_str());
        }
    }

    void f32WeightsAreUsedFromTheMapping() {
        const auto dir = modelFixture("granite_hybrid_tiny");
        const auto m = Model::load(dir, *cpu_);
        const auto& spec = m->spec();
        QVERIFY(mappedFrom(spec.embedding.tensor.data, dir / "model.safetensors"));
        // Tied: the lm_head is the very same memory.
        QCOMPARE(spec.lmHead.tensor.data, spec.embedding.tensor.data);
        const auto& mamba = std::get<Mamba2Mixer>(spec.blocks[0].mixers[0]);
        QVERIFY(mappedFrom(mamba.inProj.tensor.data, dir / "model.safetensors"));
        QVERIFY(!mamba.inProjZ.present()); // one fused product, no split copies
    }

    // Stacked experts are a host copy: kept where the backend reads it in place, freed where
    // the backend made its own (a GPU's upload), with the same results.
    void hostCopiesFreedOnceTheBackendHoldsItsOwn() {
        const auto dir = modelFixture("jamba_tiny");
        const auto inPlace = Model::load(dir, *cpu_);
        QVERIFY(inPlace->info().hostCopyBytes > 0);
        CopyingCpuBackend copying(makeCpuBackend(2));
        const auto own = Model::load(dir, copying);
        QCOMPARE(own->info().hostCopyBytes, std::size_t(0));
        const auto ids = goldenIds("jamba_tiny");
        QCOMPARE(allLogits(*own, ids), allLogits(*inPlace, ids));
    }

    // Where the backend asks (a GPU's launches), a SwiGLU MLP's gate and up become one
    // product, and attention's q, k and v another; the logits stay those of the separate
    // products (prefill and decode: k and v reach the cache from the stacked rows).
    // Falcon-H1 scales gate and up, and k, apart and keeps them separate.
    void productsStackedWhereTheBackendAsks() {
        CopyingCpuBackend stacking(makeCpuBackend(2));
        stacking.stacks = true;
        for (const char* fixture : {"llama_tiny", "bamba_tiny", "falcon_h1_tiny"}) {
            const auto dir = modelFixture(fixture);
            const auto two = Model::load(dir, *cpu_);
            const auto one = Model::load(dir, stacking);
            int mlps = 0, mlpsStacked = 0, attentions = 0, attentionsStacked = 0;
            for (const auto& b : one->spec().blocks)
                for (const auto& m : b.mixers) {
                    if (const auto* f = std::get_if<MlpMixer>(&m)) {
                        ++mlps;
                        if (f->gateUp.present() && !f->gate.present()) ++mlpsStacked;
                    }
                    if (const auto* a = std::get_if<AttentionMixer>(&m)) {
                        ++attentions;
                        if (a->qkv.present() && !a->q.present()) ++attentionsStacked;
                    }
                }
            QVERIFY2(mlps > 0 && attentions > 0, fixture);
            const bool falcon = std::string_view(fixture) == "falcon_h1_tiny";
            QCOMPARE(mlpsStacked, falcon ? 0 : mlps);
            QCOMPARE(attentionsStacked, falcon ? 0 : attentions);
            QCOMPARE(one->info().parameters, two->info().parameters);
            QCOMPARE(one->info().hostCopyBytes, std::size_t(0));
            const auto ids = goldenIds(fixture);
            const double diff = maxRelDiff(allLogits(*one, ids), allLogits(*two, ids));
            QVERIFY2(diff < 1e-5, qPrintable(QStringLiteral("%1: %2").arg(fixture).arg(diff)));
            SessionOptions steps;
            steps.prefillChunk = 1;
            std::vector<float> stepwise;
            Session(*one, steps).prefillAllLogits(ids, stepwise);
            const double stepDiff = maxRelDiff(stepwise, allLogits(*two, ids));
            QVERIFY2(stepDiff < 1e-5,
                     qPrintable(QStringLiteral("%1 decode: %2").arg(fixture).arg(stepDiff)));
        }
    }

    // The least work of a forward pass, against llama_tiny's shapes worked out by hand: the
    // bench reads its throughput against a device's peak with it.
    void forwardWorkFollowsTheShapes() {
        const auto m = Model::load(modelFixture("llama_tiny"), *cpu_);
        const auto c = readJson(modelFixture("llama_tiny") / "config.json");
        const double H = c["hidden_size"], F = c["intermediate_size"], L = c["num_hidden_layers"];
        const double Hq = c["num_attention_heads"], Hkv = c["num_key_value_heads"];
        const double D = c["head_dim"], V = c["vocab_size"];
        const double perLayer = H * Hq * D * 2 + H * Hkv * D * 2 + 3 * H * F; // q o, k v, mlp
        const double n = 100;
        const ForwardWork w = forwardWork(m->spec(), 100, DType::F16);
        const double flops = 2 * L * perLayer * n + L * 4 * Hq * D * n * (n + 1) / 2 + 2 * V * H;
        QCOMPARE(w.prefillFlops, flops);
        // f32 weights on the CPU; the KV cache's 100 rows of k and v in f16.
        QCOMPARE(w.decodeBytes, 4 * (L * perLayer + V * H) + L * 2 * n * Hkv * D * 2);
        // Stacked q/k/v and gate-up are the same work.
        CopyingCpuBackend stacking(makeCpuBackend(2));
        stacking.stacks = true;
        const auto stacked = Model::load(modelFixture("llama_tiny"), stacking);
        QCOMPARE(forwardWork(stacked->spec(), 100, DType::F16).prefillFlops, flops);
        // A recurrent model's decode reads and writes its f32 state, whatever the context:
        // heads x head_dim x d_state, and (conv_kernel - 1) rows of the x, B, C channels.
        const auto mamba = Model::load(modelFixture("mamba2_tiny"), *cpu_);
        const auto mc = readJson(modelFixture("mamba2_tiny") / "config.json");
        const double mh = mc["hidden_size"], heads = mc["num_heads"], hd = mc["head_dim"];
        const double ds = mc["state_size"], groups = mc["n_groups"], ck = mc["conv_kernel"];
        const double ml = mc["num_hidden_layers"], mv = mc["vocab_size"];
        const double inner = heads * hd, conv = inner + 2 * groups * ds;
        const double products = mh * (inner + conv + heads) + inner * mh; // in_proj, out_proj
        const double state = heads * hd * ds + (ck - 1) * conv;
        for (std::int64_t ctx : {1, 1000})
            QCOMPARE(forwardWork(mamba->spec(), ctx, DType::F16).decodeBytes,
                     4 * (ml * products + mv * mh) + 2 * 4 * ml * state);
    }

    void shardedCheckpointMatchesSingleFile() {
        QTemporaryDir tmp;
        const auto dir = tempPath(tmp);
        copyFixture("granite_hybrid_moe_rope_tiny", dir);
        auto tensors = readSafetensors(dir / "model.safetensors");
        std::filesystem::remove(dir / "model.safetensors");
        std::map<std::string, RawTensor> a, b;
        nlohmann::json index;
        int i = 0;
        for (auto& [name, t] : tensors) {
            const bool first = i++ % 2 == 0;
            (first ? a : b)[name] = t;
            index["weight_map"][name] =
                first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
        }
        writeSafetensors(dir / "model-00001-of-00002.safetensors", a);
        writeSafetensors(dir / "model-00002-of-00002.safetensors", b);
        writeText(dir / "model.safetensors.index.json", index.dump());

        const auto ids = goldenIds("granite_hybrid_moe_rope_tiny");
        const auto sharded = Model::load(dir, *cpu_);
        const auto single = Model::load(modelFixture("granite_hybrid_moe_rope_tiny"), *cpu_);
        QCOMPARE(allLogits(*sharded, ids), allLogits(*single, ids));
        QCOMPARE(sharded->fingerprint(), single->fingerprint());
    }

    void halfPrecisionCheckpoints_data() {
        QTest::addColumn<int>("dtype");
        QTest::newRow("bf16") << int(DType::BF16);
        QTest::newRow("f16") << int(DType::F16);
    }
    void halfPrecisionCheckpoints() {
        QFETCH(int, dtype);
        QTemporaryDir tmp;
        const auto dir = tempPath(tmp);
        copyFixture("falcon_h1_tiny", dir, [&](auto& t) { toHalf(t, DType(dtype)); });
        const auto m = Model::load(dir, *cpu_);
        QCOMPARE(m->info().weightDtype, DType(dtype));
        const auto got = allLogits(*m, goldenIds("falcon_h1_tiny"));
        const double err = maxRelDiff(got, goldenLogits("falcon_h1_tiny"));
        // Rounding the weights (not the engine) moves the logits: bf16 keeps 8 bits.
        QVERIFY2(err < (DType(dtype) == DType::BF16 ? 5e-2 : 5e-3),
                 qPrintable(QString::number(err)));
        QVERIFY(err > 0);
    }

    // Random weights in a config's shapes (what bench --synthetic uses).
    void syntheticModel() {
        const auto config = readJson(modelFixture("granite_hybrid_moe_rope_tiny") / "config.json");
        const auto a = Model::synthetic(config, *cpu_, DType::BF16, 1);
        const auto b = Model::synthetic(config, *cpu_, DType::BF16, 1);
        const auto c = Model::synthetic(config, *cpu_, DType::BF16, 2);
        QCOMPARE(a->info().weightDtype, DType::BF16);
        QCOMPARE(
            a->info().parameters,
            Model::load(modelFixture("granite_hybrid_moe_rope_tiny"), *cpu_)->info().parameters);
        QCOMPARE(a->fingerprint(), b->fingerprint());
        QVERIFY(a->fingerprint() != c->fingerprint());
        const std::vector<std::int32_t> ids{1, 2, 3, 4, 5, 6, 7, 8};
        const auto la = allLogits(*a, ids);
        QCOMPARE(la, allLogits(*b, ids));
        QVERIFY(la != allLogits(*c, ids));
        for (float v : la)
            QVERIFY(std::isfinite(v));
    }

    void truncatedSafetensors() {
        QTemporaryDir tmp;
        const auto dir = tempPath(tmp);
        copyFixture("granite_hybrid_tiny", dir);
        const auto file = dir / "model.safetensors";
        std::filesystem::resize_file(file, std::filesystem::file_size(file) / 2);
        EXPECT_ENGINE_ERROR(Model::load(dir, *cpu_), "model.safetensors", "truncated");
        std::filesystem::resize_file(file, 5);
        EXPECT_ENGINE_ERROR(Model::load(dir, *cpu_), "model.safetensors", "truncated");
    }

    void wrongShape() {
        QTemporaryDir tmp;
        const auto dir = tempPath(tmp);
        copyFixture("granite_hybrid_tiny", dir, [](auto& t) {
            auto& w = t["model.layers.3.mamba.out_proj.weight"]; // [64, 128]
            w.shape = {128, 64};
        });
        EXPECT_ENGINE_ERROR(Model::load(dir, *cpu_), "model.safetensors",
                            "model.layers.3.mamba.out_proj.weight", "[128, 64]", "[64, 128]");
    }

    void missingTensor() {
        QTemporaryDir tmp;
        const auto dir = tempPath(tmp);
        copyFixture("bamba_tiny", dir,
                    [](auto& t) { t.erase("model.layers.1.self_attn.k_proj.weight"); });
        EXPECT_ENGINE_ERROR(Model::load(dir, *cpu_), "model.safetensors",
                            "missing tensor 'model.layers.1.self_attn.k_proj.weight'", "[32, 64]");
    }

    void untiedModelWithoutLmHead() {
        QTemporaryDir tmp;
        const auto dir = tempPath(tmp);
        copyFixture("llama_tiny", dir, [](auto& t) { t.erase("lm_head.weight"); });
        EXPECT_ENGINE_ERROR(Model::load(dir, *cpu_), "missing tensor 'lm_head.weight'");
    }

    void unsupportedDtype() {
        QTemporaryDir tmp;
        const auto dir = tempPath(tmp);
        copyFixture("llama_tiny", dir, [](auto& t) { t["model.norm.weight"].dtype = "I32"; });
        EXPECT_ENGINE_ERROR(Model::load(dir, *cpu_), "model.norm.weight", "i32");
    }

    void unknownModelType() {
        QTemporaryDir tmp;
        const auto dir = tempPath(tmp);
        copyFixture("llama_tiny", dir);
        auto config = readJson(dir / "config.json");
        config["model_type"] = "gpt9";
        writeText(dir / "config.json", config.dump());
        EXPECT_ENGINE_ERROR(Model::load(dir, *cpu_), "config.json", "model_type", "'gpt9'",
                            "granitemoehybrid");
    }

    void malformedJson() {
        QTemporaryDir tmp;
        const auto dir = tempPath(tmp);
        copyFixture("llama_tiny", dir);
        writeText(dir / "config.json", "{\"model_type\": \"llama\", ");
        EXPECT_ENGINE_ERROR(Model::load(dir, *cpu_), "config.json", "malformed JSON");

        copyFixture("llama_tiny", dir);
        writeText(dir / "generation_config.json", "[1, 2");
        EXPECT_ENGINE_ERROR(Model::load(dir, *cpu_), "generation_config.json", "malformed JSON");
    }

    void malformedSafetensorsHeader() {
        QTemporaryDir tmp;
        const auto dir = tempPath(tmp);
        copyFixture("llama_tiny", dir);
        std::fstream f(dir / "model.safetensors", std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(8);
        f.write("!!", 2);
        f.close();
        EXPECT_ENGINE_ERROR(Model::load(dir, *cpu_), "model.safetensors",
                            "malformed safetensors header");
    }

    void badShardIndex() {
        QTemporaryDir tmp;
        const auto dir = tempPath(tmp);
        copyFixture("llama_tiny", dir);
        writeText(dir / "model.safetensors.index.json", "{\"weight_map\": 3}");
        EXPECT_ENGINE_ERROR(Model::load(dir, *cpu_), "model.safetensors.index.json", "weight_map");
        writeText(dir / "model.safetensors.index.json",
                  R"({"weight_map": {"model.norm.weight": "model-2.safetensors"}})");
        EXPECT_ENGINE_ERROR(Model::load(dir, *cpu_), "model-2.safetensors", "cannot open");
    }

    void badConfigValues() {
        QTemporaryDir tmp;
        const auto dir = tempPath(tmp);
        copyFixture("granite_hybrid_tiny", dir);
        auto config = readJson(dir / "config.json");
        config["hidden_size"] = "wide";
        writeText(dir / "config.json", config.dump());
        EXPECT_ENGINE_ERROR(Model::load(dir, *cpu_), "config.json", "'hidden_size'", "\"wide\"");
        config = readJson(modelFixture("granite_hybrid_tiny") / "config.json");
        config["layer_types"][1] = "convolution";
        writeText(dir / "config.json", config.dump());
        EXPECT_ENGINE_ERROR(Model::load(dir, *cpu_), "'layer_types'", "convolution");
    }

    void notACheckpoint() {
        QTemporaryDir tmp;
        EXPECT_ENGINE_ERROR(Model::load(tempPath(tmp), *cpu_), "config.json");
        EXPECT_ENGINE_ERROR(Model::load(tempPath(tmp) / "nope", *cpu_), "not a model directory");
        copyFixture("llama_tiny", tempPath(tmp));
        std::filesystem::remove(tempPath(tmp) / "model.safetensors");
        EXPECT_ENGINE_ERROR(Model::load(tempPath(tmp), *cpu_), "no model.safetensors");
    }
};

QTEST_GUILESS_MAIN(EngineLoaderTest)
#include "tst_engine_loader.moc"
