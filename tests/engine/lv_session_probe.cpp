// Test helper: restores a snapshot file into a fresh process and continues generating,
// so that tst_engine_session can check that a state survives a process boundary.
//
//   lv_session_probe MODEL_DIR SNAPSHOT_FILE TOKENS TEMPERATURE TOP_K TOP_P
// prints "logits <xxh3 of the restored last logits>" and "tokens a,b,c".

#include "core/Checksum.h"
#include "model/Model.h"
#include "runtime/Session.h"

#include <cstdio>
#include <exception>
#include <string>

int main(int argc, char** argv) {
    if (argc != 7) {
        std::fprintf(
            stderr,
            "usage: lv_session_probe MODEL_DIR SNAPSHOT_FILE TOKENS TEMPERATURE TOP_K TOP_P\n");
        return 2;
    }
    try {
        const auto backend = lv::makeCpuBackend(1);
        const auto model = lv::Model::load(argv[1], *backend);
        lv::Session session(*model);
        std::FILE* f = std::fopen(argv[2], "rb");
        if (!f) throw std::runtime_error(std::string("cannot open ") + argv[2]);
        // Small reads on purpose: the restore must cope with a source that trickles.
        session.restore([f](void* dst, std::size_t bytes) {
            return std::fread(dst, 1, std::min<std::size_t>(bytes, 4093), f);
        });
        std::fclose(f);
        const auto& l = session.lastLogits();
        std::printf("logits %016llx\n",
                    static_cast<unsigned long long>(lv::hash64(l.data(), l.size() * 4)));
        lv::GenerateOptions g;
        g.maxTokens = std::stoll(argv[3]);
        g.stopAtEos = false;
        g.sampling.temperature = std::stof(argv[4]);
        g.sampling.topK = std::stoi(argv[5]);
        g.sampling.topP = std::stof(argv[6]);
        const auto r = session.generate({}, g);
        std::string line;
        for (auto t : r.tokens) {
            if (!line.empty()) line.push_back(',');
            line.append(std::to_string(t));
        }
        std::printf("tokens %s\n", line.c_str());
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lv_session_probe: %s\n", e.what());
        return 1;
    }
}
