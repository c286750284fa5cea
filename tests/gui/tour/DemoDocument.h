// The sample document of the screenshot tour: a fictional regional regulation on grain
// storage, eight pages with front matter, parts, articles and an annex. Written for
// Longview; any resemblance to a real regulation is structural only.
#pragma once

#include <QStringList>

namespace lv::tour {

inline QStringList regulationPages() {
    const QString running = QStringLiteral(
        "<p class='running'>Regional Grain Storage Regulation — consolidated text</p>");
    return {
        QStringLiteral("<p>&nbsp;</p><p>&nbsp;</p><p class='running'>REGIONAL COUNCIL OF THE "
                       "NORTHERN PLAINS</p>"
                       "<h1>Regional Grain Storage Regulation</h1>"
                       "<p><i>Consolidated text incorporating the amendments of 2019 and "
                       "2023</i></p><p>&nbsp;</p>"
                       "<p>This regulation lays down the conditions under which cereals, oilseeds "
                       "and pulses may be stored "
                       "in the region, the duties of the persons who operate storage facilities, "
                       "the inspection of those "
                       "facilities, and the penalties for breaches.</p>"
                       "<p>It replaces the Storage Ordinance of 1987 and the Silo Safety Circular "
                       "of 2004, both of which are "
                       "repealed from the date on which this regulation enters into force.</p>"),
        running +
            QStringLiteral(
                "<h2>Contents</h2>"
                "<p>Part I — General provisions (Articles 1 to 3)<br>"
                "Part II — Obligations of operators (Articles 4 to 9)<br>"
                "Part III — Inspections (Articles 10 to 12)<br>"
                "Part IV — Penalties (Articles 13 to 15)<br>"
                "Part V — Final provisions (Articles 16 and 17)<br>"
                "Annex — Maximum humidity by crop</p>"
                "<h2>Note on this edition</h2>"
                "<p>Amendments are shown in their consolidated form. Page numbers of the body of "
                "the text "
                "follow the official journal; the front matter is numbered in roman figures.</p>"),
        running + QStringLiteral(
                      "<h2>Part I — General provisions</h2>"
                      "<p><b>Article 1. Subject matter.</b> This regulation sets the rules for the "
                      "storage of grain "
                      "intended for food, feed or seed, so as to preserve its quality and to "
                      "protect the health of "
                      "consumers and of the persons working in storage facilities.</p>"
                      "<p><b>Article 2. Scope.</b> It applies to every facility in the region in "
                      "which more than "
                      "fifty tonnes of grain are stored at any one time, whether a silo, a barn, a "
                      "warehouse or a "
                      "temporary store under cover. Storage on the farm for the farmer's own "
                      "animals is exempt "
                      "below five hundred tonnes.</p>"
                      "<p><b>Article 3. Definitions.</b> For the purposes of this regulation:</p>"
                      "<ul><li>a <i>silo</i> is a closed tower or bin for the storage of grain in "
                      "bulk;</li>"
                      "<li>an <i>operator</i> is the natural or legal person who runs a storage "
                      "facility;</li>"
                      "<li><i>humidity</i> is the share of water in the stored grain, measured by "
                      "weight;</li>"
                      "<li>the <i>register</i> is the record that the operator keeps under Article "
                      "5;</li>"
                      "<li>the <i>inspector</i> is the officer designated by the Council under "
                      "Article 10.</li></ul>"),
        running +
            QStringLiteral(
                "<h2>Part II — Obligations of operators</h2>"
                "<p><b>Article 4. Condition of storage.</b> The operator keeps every silo dry, "
                "clean and "
                "free of residues from earlier harvests. Walls, floors and conveyors are cleaned "
                "before a "
                "new harvest is received, and the cleaning is entered in the register.</p>"
                "<p><b>Article 5. Humidity register.</b> The operator measures the humidity of the "
                "grain in "
                "each silo every week, and every day during the first month after filling. The "
                "results are "
                "recorded in the register with the date, the silo, the crop and the name of the "
                "person who "
                "took the measurement. Grain whose humidity exceeds the limit set in the Annex is "
                "dried or "
                "moved within seven days.</p>"
                "<p><b>Article 6. Temperature.</b> Where a silo holds more than two hundred "
                "tonnes, the "
                "operator installs temperature probes at no more than three metres apart and reads "
                "them at "
                "least twice a week. A rise of more than five degrees in a week is reported to the "
                "inspector.</p>"),
        running +
            QStringLiteral("<p><b>Article 7. Pest control.</b> The operator inspects every "
                           "facility for insects and "
                           "rodents at least once a month and keeps traps in place throughout the "
                           "storage season. "
                           "Infestations are treated without delay by a licensed contractor.</p>"
                           "<p><b>Article 8. Fumigation.</b> Fumigation is carried out only by a "
                           "licensed contractor, "
                           "after notice to the inspector at least forty-eight hours in advance. "
                           "The silo is sealed and "
                           "marked during treatment, and nobody enters it until the air has been "
                           "tested and found "
                           "safe.</p>"
                           "<p><b>Article 9. Retention of records.</b> The register, the reports "
                           "of contractors and the "
                           "results of inspections are kept for five years and shown to the "
                           "inspector on request. They "
                           "may be kept in electronic form, provided that entries cannot be "
                           "altered without a trace.</p>"),
        running + QStringLiteral("<h2>Part III — Inspections</h2>"
                                 "<p><b>Article 10. Inspection schedule.</b> The Council "
                                 "designates inspectors, who visit "
                                 "every facility within the scope of this regulation twice a year: "
                                 "once before the harvest "
                                 "and once during the storage season. Facilities with a record of "
                                 "breaches are visited four "
                                 "times a year for the following three years.</p>"
                                 "<p><b>Article 11. Powers of inspectors.</b> The inspector may "
                                 "enter any facility during "
                                 "working hours, read the register, take samples, and measure the "
                                 "humidity and the temperature "
                                 "of the grain again. The operator gives the inspector safe access "
                                 "to every silo.</p>"
                                 "<p><b>Article 12. Sampling.</b> Samples are taken at three "
                                 "depths in each silo inspected. "
                                 "One part of each sample is left with the operator, sealed, so "
                                 "that the operator may have it "
                                 "analysed by a laboratory of their choice.</p>"),
        running + QStringLiteral(
                      "<h2>Part IV — Penalties</h2>"
                      "<p><b>Article 13. Breaches.</b> A breach of Articles 4 to 9 is established "
                      "by the inspector "
                      "in a written report, a copy of which is given to the operator, who may "
                      "reply within thirty "
                      "days.</p>"
                      "<p><b>Article 14. Fines.</b> A missing or incomplete entry in the register "
                      "is punished by a "
                      "fine of one hundred florins for each week concerned. Failure to dry or move "
                      "grain under "
                      "Article 5 is punished by a fine of up to two thousand florins. Fumigation "
                      "without notice is "
                      "punished by a fine of up to five thousand florins.</p>"
                      "<p><b>Article 15. Destruction of spoiled grain.</b> Grain that the "
                      "inspector finds unfit "
                      "for food or feed is destroyed at the cost of the operator, unless the "
                      "operator proves within "
                      "fourteen days, by the analysis of the sealed sample, that it is fit.</p>"),
        running + QStringLiteral("<h2>Part V — Final provisions</h2>"
                                 "<p><b>Article 16. Transitional provisions.</b> Facilities in "
                                 "service on the date of entry "
                                 "into force have two years to install the temperature probes "
                                 "required by Article 6.</p>"
                                 "<p><b>Article 17. Entry into force.</b> This regulation enters "
                                 "into force on the first day "
                                 "of the month following its publication.</p>"
                                 "<h2>Annex — Maximum humidity by crop</h2>"
                                 "<table cellpadding='4'><tr><td><b>Crop</b></td><td><b>Maximum "
                                 "humidity</b></td></tr>"
                                 "<tr><td>Wheat, barley, rye, oats</td><td>14.5 %</td></tr>"
                                 "<tr><td>Maize</td><td>14 %</td></tr>"
                                 "<tr><td>Rapeseed, sunflower</td><td>9 %</td></tr>"
                                 "<tr><td>Peas, beans, lentils</td><td>15 %</td></tr></table>"),
    };
}

} // namespace lv::tour
