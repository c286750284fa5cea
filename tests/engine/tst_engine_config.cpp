// Config spellings and the adapters: every way a config names layer types, RoPE and
// time-step limits, and the block structure and constants each family's adapter builds.

#include "EngineTestSupport.h"

#include "core/Error.h"
#include "model/Adapter.h"
#include "model/ConfigReader.h"
#include "model/Model.h"
#include "runtime/Session.h"

#include <QTemporaryDir>
#include <QtTest>

#include <limits>

using namespace lv;
using namespace lv::test;

namespace {

nlohmann::json fixtureConfig(const char* name) {
    return readJson(modelFixture(name) / "config.json");
}

ModelSpec specOf(const nlohmann::json& config) {
    return buildModelSpec(ConfigReader(config, "config.json"));
}

QString errorOf(const nlohmann::json& config) {
    try {
        specOf(config);
    } catch (const EngineError& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

std::vector<std::string> mixerNames(const ModelSpec& s) {
    std::vector<std::string> out;
    for (const auto& b : s.blocks) {
        std::string n;
        for (const auto& m : b.mixers) {
            if (!n.empty()) n.push_back('+');
            n.append(mixerName(m));
        }
        out.push_back(n);
    }
    return out;
}

std::vector<float> logitsOf(const std::filesystem::path& dir, Backend& be) {
    const auto m = Model::load(dir, be);
    Session s(*m);
    std::vector<float> out;
    s.prefillAllLogits(goldenIds("granite_hybrid_tiny"), out);
    return out;
}

} // namespace

class EngineConfigTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { LV_REQUIRE_FIXTURES(); }

    void everyFamilyHasAnAdapter() {
        QStringList types;
        for (const Adapter* a : allAdapters())
            types << a->modelType;
        types.sort();
        QCOMPARE(types, QStringList({"bamba", "falcon_h1", "granitemoehybrid", "jamba", "llama",
                                     "mamba", "mamba2", "nemotron_h"}));
    }

    void layerTypeSpellingsAgree() {
        auto modern = fixtureConfig("granite_hybrid_tiny"); // linear_attention / full_attention
        auto legacy = modern;
        for (auto& t : legacy["layer_types"])
            t = t == "full_attention" ? "attention" : "mamba";
        auto aliased = modern;
        aliased.erase("layer_types");
        aliased["layers_block_type"] = legacy["layer_types"];
        const auto expected =
            std::vector<std::string>{"mamba2", "mlp", "mamba2", "mlp", "attention", "mlp",
                                     "mamba2", "mlp", "mamba2", "mlp", "attention", "mlp"};
        QCOMPARE(mixerNames(specOf(modern)), expected);
        QCOMPARE(mixerNames(specOf(legacy)), expected);
        QCOMPARE(mixerNames(specOf(aliased)), expected);
        auto absent = modern;
        absent.erase("layer_types"); // transformers' default: all Mamba
        for (const auto& n : mixerNames(specOf(absent)))
            QVERIFY(n == "mamba2" || n == "mlp");
    }

    void nemotronPatternMatchesBlockTypes() {
        const auto config = fixtureConfig("nemotron_h_tiny");
        auto pattern = config;
        pattern.erase("layers_block_type");
        pattern["hybrid_override_pattern"] = "M-M*-M";
        const auto expected = std::vector<std::string>{"mamba2",    "mlp-relu2", "mamba2",
                                                       "attention", "mlp-relu2", "mamba2"};
        QCOMPARE(mixerNames(specOf(config)), expected);
        QCOMPARE(mixerNames(specOf(pattern)), expected);
        const auto& mamba = std::get<Mamba2Mixer>(specOf(config).blocks[0].mixers[0]);
        QCOMPARE(mamba.normGroupSize, 64); // 128 inner / 2 groups: Zamba2-style grouped norm
        const auto& attn = std::get<AttentionMixer>(specOf(config).blocks[3].mixers[0]);
        QVERIFY(!attn.rope);
        pattern["hybrid_override_pattern"] = "M-E*-M";
        QVERIFY(errorOf(pattern).contains("MoE"));
        pattern["hybrid_override_pattern"] = "M-?*-M";
        QVERIFY(errorOf(pattern).contains("'?'"));
    }

    void bambaAttentionIndicesAndPartialRope() {
        const auto s = specOf(fixtureConfig("bamba_tiny"));
        QCOMPARE(mixerNames(s), (std::vector<std::string>{"mamba2", "mlp", "attention", "mlp",
                                                          "mamba2", "mlp", "mamba2", "mlp"}));
        const auto& a = std::get<AttentionMixer>(s.blocks[2].mixers[0]);
        QCOMPARE(a.rotaryDim, 8); // head_dim 16 * partial_rotary_factor 0.5
        QVERIFY(a.rope);
        QCOMPARE(a.softmaxScale, 0.25f);
    }

    void ropeSpellings() {
        auto c = fixtureConfig("llama_tiny");
        auto theta = [&](const nlohmann::json& j) {
            return std::get<AttentionMixer>(specOf(j).blocks[0].mixers[0]).ropeTheta;
        };
        QCOMPARE(theta(c), 10000.0f);
        c["rope_parameters"]["rope_theta"] = 500000.0;
        QCOMPARE(theta(c), 500000.0f);
        c.erase("rope_parameters");
        c["rope_theta"] = 1000000.0;
        QCOMPARE(theta(c), 1000000.0f);
        c["rope_scaling"] = nullptr;
        QCOMPARE(theta(c), 1000000.0f);
        c["rope_parameters"] = {{"rope_type", "yarn"}, {"rope_theta", 10000.0}, {"factor", 4.0}};
        QVERIFY(errorOf(c).contains("rope_type 'yarn'"));
    }

    void timeStepLimitSpellings() {
        auto c = fixtureConfig("mamba2_tiny"); // [0.0, {"__float__": "Infinity"}]
        auto ssd = [&](const nlohmann::json& j) {
            return std::get<Mamba2Mixer>(specOf(j).blocks[0].mixers[0]).ssd;
        };
        QCOMPARE(ssd(c).dtMin, 0.0f);
        QCOMPARE(ssd(c).dtMax, std::numeric_limits<float>::max());
        QCOMPARE(ssd(c).chunkSize, 32);
        c["time_step_limit"] = {0.001, 0.1};
        QCOMPARE(ssd(c).dtMin, 0.001f);
        QCOMPARE(ssd(c).dtMax, 0.1f);
        c.erase("time_step_limit");
        QCOMPARE(ssd(c).dtMin, 0.0f);
        c["time_step_limit"] = {0.0, {{"__float__", "sideways"}}};
        QVERIFY(errorOf(c).contains("'time_step_limit'"));
    }

    void graniteMultipliers() {
        const auto s = specOf(fixtureConfig("granite_hybrid_moe_rope_tiny"));
        QCOMPARE(s.embeddingScale, 12.0f);
        QCOMPARE(s.logitScale, 1.0f / 8.0f);
        for (const auto& b : s.blocks)
            QCOMPARE(b.residualScale, 0.22f);
        const auto& a = std::get<AttentionMixer>(s.blocks[4].mixers[0]);
        QCOMPARE(a.softmaxScale, 0.0625f); // attention_multiplier replaces 1/sqrt(d)
        QVERIFY(a.rope);
        QCOMPARE(mixerNames(s)[1], std::string("moe")); // top-k experts + shared MLP
        const auto& moe = std::get<MoeMixer>(s.blocks[1].mixers[0]);
        QCOMPARE(moe.topK, 2);
        QCOMPARE(moe.sharedGateUp.name,
                 std::string("model.layers.0.shared_mlp.input_linear.weight"));
        QCOMPARE(moe.sharedDown.shape,
                 (std::vector<std::int64_t>{s.hidden, moe.sharedIntermediate}));
        QVERIFY(!moe.softmaxFirst);
        const auto nope = specOf(fixtureConfig("granite_hybrid_tiny"));
        QVERIFY(!std::get<AttentionMixer>(nope.blocks[4].mixers[0]).rope);
        QCOMPARE(nope.lmHead.name, std::string("model.embed_tokens.weight")); // tied
        // Gated norm over the whole inner dimension, as transformers does.
        QCOMPARE(std::get<Mamba2Mixer>(nope.blocks[0].mixers[0]).normGroupSize, 128);
    }

    void falconMupMultipliers() {
        const auto s = specOf(fixtureConfig("falcon_h1_tiny"));
        QCOMPARE(mixerNames(s)[0], std::string("mamba2+attention")); // parallel in one layer
        QCOMPARE(s.embeddingScale, 5.0f);
        QCOMPARE(s.logitScale, 0.5f);
        const auto& m = std::get<Mamba2Mixer>(s.blocks[0].mixers[0]);
        QCOMPARE(m.inScaleZ, 1.2f * 0.9f);
        QCOMPARE(m.inProjXbcDt.rowScales.size(), std::size_t(4));
        QCOMPARE(m.inProjXbcDt.rowScales[0].scale, 1.2f * 0.8f);
        QCOMPARE(m.inProjXbcDt.rowScales[3].scale, 1.2f * 0.5f);
        QCOMPARE(m.inProjXbcDt.rowScales[3].end - m.inProjXbcDt.rowScales[3].begin, m.heads);
        QCOMPARE(m.outScale, 0.6f);
        QCOMPARE(m.normGroupSize, 64);
        QVERIFY(!m.normBeforeGate);
        const auto& a = std::get<AttentionMixer>(s.blocks[0].mixers[1]);
        QCOMPARE(a.qScale, 1.1f);
        QCOMPARE(a.kScale, 1.1f * 0.7f);
        QCOMPARE(a.oScale, 0.8f);
        const auto& f = std::get<MlpMixer>(s.blocks[1].mixers[0]);
        QCOMPARE(f.gateScale, 0.9f);
        QCOMPARE(f.downScale, 0.4f);
    }

    void jambaPeriods() {
        const auto s = specOf(fixtureConfig("jamba_tiny"));
        QCOMPARE(mixerNames(s), (std::vector<std::string>{"mamba1", "mlp", "attention", "moe",
                                                          "mamba1", "mlp", "attention", "moe"}));
        QVERIFY(std::get<MoeMixer>(s.blocks[3].mixers[0]).softmaxFirst);
    }

    // Old spellings of a real checkpoint produce the same model.
    void legacySpellingsRunIdentically() {
        const std::unique_ptr<Backend> cpu = makeCpuBackend(2);
        QTemporaryDir tmp;
        const auto dir = tempPath(tmp);
        copyFixture("granite_hybrid_tiny", dir);
        auto c = readJson(dir / "config.json");
        for (auto& t : c["layer_types"])
            t = t == "full_attention" ? "attention" : "mamba";
        c["rope_theta"] = c["rope_parameters"]["rope_theta"];
        c.erase("rope_parameters");
        c["time_step_limit"] = {0.0, {{"__float__", "Infinity"}}};
        writeText(dir / "config.json", c.dump());
        QCOMPARE(logitsOf(dir, *cpu), logitsOf(modelFixture("granite_hybrid_tiny"), *cpu));
    }

    void configErrorsNameTheField() {
        auto c = fixtureConfig("llama_tiny");
        c.erase("hidden_size");
        QVERIFY(errorOf(c).contains("config.json: field 'hidden_size': missing"));
        c = fixtureConfig("falcon_h1_tiny");
        c["ssm_multipliers"] = {1.0, 2.0};
        QVERIFY(errorOf(c).contains("'ssm_multipliers'"));
        c = fixtureConfig("granite_hybrid_tiny");
        c["tie_word_embeddings"] = "yes";
        QVERIFY(errorOf(c).contains("'tie_word_embeddings'"));
    }
};

QTEST_GUILESS_MAIN(EngineConfigTest)
#include "tst_engine_config.moc"
