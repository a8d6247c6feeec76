/* seed_data.c — catalogue and generator for demo and benchmark vehicles. */
#include "inventory/seed_data.h"

#include "core/arena.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <string.h>

/* ---- PRNG: xoshiro256** seeded by splitmix64 ---- */

static uint64_t splitmix(uint64_t *x)
{
  uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

void seed_rng_init(struct seed_rng *r, uint64_t seed)
{
  for (int i = 0; i < 4; i++)
    r->s[i] = splitmix(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

uint64_t seed_rng_next(struct seed_rng *r)
{
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

int seed_rng_range(struct seed_rng *r, int lo, int hi)
{
  if (hi <= lo)
    return lo;
  return lo + (int)(seed_rng_next(r) % (uint64_t)(hi - lo + 1));
}

static double rnd01(struct seed_rng *r)
{
  return (double)(seed_rng_next(r) >> 11) / 9007199254740992.0;
}

/* ---- demo dealers (fictitious) ---- */

const struct seed_dealer seed_dealers[] = {
    {"autohaus-berger", "Autohaus Berger GmbH", "Wandsbeker Chaussee 212", "22089", "Hamburg",
     "+49 40 6891230", "verkauf@autohaus-berger.example", "https://autohaus-berger.example",
     "Familienbetrieb seit 1978 in Hamburg-Wandsbek: Neu- und Gebrauchtwagen aller Marken, eigene "
     "Werkstatt und faire Inzahlungnahme.",
     "Family business in Hamburg-Wandsbek since 1978: new and used cars of all makes, our own "
     "workshop and fair trade-in offers."},
    {"autozentrum-isar", "Autozentrum Isar GmbH & Co. KG", "Landsberger Straße 402", "81241",
     "München", "+49 89 5467780", "info@autozentrum-isar.example",
     "https://autozentrum-isar.example",
     "Premium-Gebrauchtwagen und junge Sterne im Münchner Westen – mit Garantie und "
     "Finanzierung aus einer Hand.",
     "Premium used cars in the west of Munich – with warranty and financing from a single source."},
    {"rheinland-automobile", "Rheinland Automobile Schneider e.K.", "Aachener Straße 1040", "50858",
     "Köln", "+49 221 4861150", "kontakt@rheinland-automobile.example",
     "https://rheinland-automobile.example",
     "Ihr Partner für Elektro- und Hybridfahrzeuge im Rheinland: Probefahrt, Wallbox-Beratung und "
     "Service.",
     "Your partner for electric and hybrid cars in the Rhineland: test drives, wallbox advice and "
     "service."},
};
const int seed_dealer_count = (int)(sizeof seed_dealers / sizeof seed_dealers[0]);

/* ---- catalogue ---- */

struct variant {
  const char *make, *model, *variant;
  int body, fuel, gearbox, drive;
  int kw, ccm, doors, seats;
  int list_eur;
  int co2, cons_x10, el_x10, range_km; /* WLTP combined; el/range for EV and PHEV */
  int weight;                          /* relative frequency */
  int tier;                            /* 1 volume, 2 upper, 3 premium/luxury */
};

#define P  FUEL_PETROL
#define D  FUEL_DIESEL
#define E  FUEL_ELECTRIC
#define H  FUEL_HYBRID
#define PH FUEL_PLUGIN_HYBRID
#define M  GEARBOX_MANUAL
#define A  GEARBOX_AUTOMATIC
#define FR DRIVE_FRONT
#define RR DRIVE_REAR
#define AW DRIVE_ALL

static const struct variant cat[] = {
    /* Volkswagen */
    {"Volkswagen", "Golf", "1.5 eTSI Life DSG", BODY_COMPACT, P, A, FR, 110, 1498, 5, 5, 35390, 128,
     56, -1, -1, 30, 1},
    {"Volkswagen", "Golf", "2.0 TDI Style DSG", BODY_COMPACT, D, A, FR, 110, 1968, 5, 5, 41020, 119,
     45, -1, -1, 22, 1},
    {"Volkswagen", "Golf", "1.0 TSI Life", BODY_COMPACT, P, M, FR, 85, 999, 5, 5, 29790, 121, 53,
     -1, -1, 20, 1},
    {"Volkswagen", "Golf", "GTI Clubsport DSG", BODY_COMPACT, P, A, FR, 221, 1984, 5, 5, 52720, 173,
     76, -1, -1, 5, 2},
    {"Volkswagen", "Golf Variant", "2.0 TDI Life DSG", BODY_ESTATE, D, A, FR, 110, 1968, 5, 5,
     38995, 121, 46, -1, -1, 18, 1},
    {"Volkswagen", "Passat Variant", "2.0 TDI Business DSG", BODY_ESTATE, D, A, FR, 110, 1968, 5, 5,
     49985, 133, 51, -1, -1, 18, 2},
    {"Volkswagen", "Tiguan", "1.5 eTSI Life DSG", BODY_SUV, P, A, FR, 110, 1498, 5, 5, 41950, 146,
     64, -1, -1, 22, 2},
    {"Volkswagen", "Tiguan", "2.0 TDI R-Line 4MOTION DSG", BODY_SUV, D, A, AW, 142, 1968, 5, 5,
     55790, 161, 61, -1, -1, 10, 2},
    {"Volkswagen", "T-Roc", "1.5 TSI Style DSG", BODY_SUV, P, A, FR, 110, 1498, 5, 5, 36890, 139,
     61, -1, -1, 14, 1},
    {"Volkswagen", "Polo", "1.0 TSI Life", BODY_SMALL_CAR, P, M, FR, 70, 999, 5, 5, 22395, 119, 52,
     -1, -1, 20, 1},
    {"Volkswagen", "ID.4", "Pro 77 kWh", BODY_SUV, E, A, RR, 210, -1, 5, 5, 47915, 0, 163, -1, 550,
     12, 2},
    {"Volkswagen", "ID.3", "Pro 58 kWh", BODY_COMPACT, E, A, RR, 150, -1, 5, 5, 39995, 0, 155, -1,
     426, 10, 1},
    {"Volkswagen", "Touran", "1.5 TSI Comfortline DSG", BODY_VAN, P, A, FR, 110, 1498, 5, 7, 37990,
     152, 67, -1, -1, 8, 1},
    /* Mercedes-Benz */
    {"Mercedes-Benz", "A-Klasse", "A 180 Progressive Line", BODY_COMPACT, P, A, FR, 100, 1332, 5, 5,
     36890, 135, 59, -1, -1, 16, 2},
    {"Mercedes-Benz", "C-Klasse", "C 220 d T-Modell AMG Line", BODY_ESTATE, D, A, RR, 145, 1992, 5,
     5, 56298, 129, 49, -1, -1, 18, 3},
    {"Mercedes-Benz", "C-Klasse", "C 200 Avantgarde", BODY_SALOON, P, A, RR, 150, 1496, 4, 5, 50777,
     148, 65, -1, -1, 12, 3},
    {"Mercedes-Benz", "C-Klasse", "C 300 e T-Modell", BODY_ESTATE, PH, A, RR, 230, 1999, 5, 5,
     61059, 14, 7, 199, 111, 6, 3},
    {"Mercedes-Benz", "E-Klasse", "E 220 d Avantgarde", BODY_SALOON, D, A, RR, 145, 1992, 4, 5,
     62832, 136, 52, -1, -1, 10, 3},
    {"Mercedes-Benz", "GLC", "GLC 300 4MATIC AMG Line", BODY_SUV, P, A, AW, 190, 1999, 5, 5, 69925,
     189, 83, -1, -1, 9, 3},
    {"Mercedes-Benz", "EQA", "EQA 250+", BODY_SUV, E, A, FR, 140, -1, 5, 5, 53751, 0, 164, -1, 528,
     5, 3},
    {"Mercedes-Benz", "Vito", "116 CDI Tourer Pro lang", BODY_VAN, D, A, RR, 120, 1950, 4, 8, 52580,
     199, 76, -1, -1, 4, 2},
    /* BMW */
    {"BMW", "1er", "118i Sport Line", BODY_COMPACT, P, A, FR, 100, 1499, 5, 5, 36600, 138, 61, -1,
     -1, 12, 2},
    {"BMW", "3er", "320d Touring M Sport", BODY_ESTATE, D, A, RR, 140, 1995, 5, 5, 56400, 126, 48,
     -1, -1, 18, 3},
    {"BMW", "3er", "320i Limousine Advantage", BODY_SALOON, P, A, RR, 135, 1998, 4, 5, 48900, 146,
     64, -1, -1, 12, 3},
    {"BMW", "3er", "330e Touring", BODY_ESTATE, PH, A, RR, 215, 1998, 5, 5, 58600, 21, 9, 173, 68,
     6, 3},
    {"BMW", "5er", "520d Touring Luxury Line", BODY_ESTATE, D, A, RR, 145, 1995, 5, 5, 66200, 131,
     50, -1, -1, 10, 3},
    {"BMW", "X1", "sDrive18i xLine", BODY_SUV, P, A, FR, 100, 1499, 5, 5, 44400, 146, 64, -1, -1,
     12, 2},
    {"BMW", "X3", "xDrive20d M Sport", BODY_SUV, D, A, AW, 140, 1995, 5, 5, 63200, 156, 59, -1, -1,
     12, 3},
    {"BMW", "i4", "eDrive40 Gran Coupé", BODY_COUPE, E, A, RR, 250, -1, 5, 5, 63700, 0, 166, -1,
     590, 5, 3},
    {"BMW", "4er", "420i Cabrio M Sport", BODY_CONVERTIBLE, P, A, RR, 135, 1998, 2, 4, 57900, 159,
     70, -1, -1, 4, 3},
    /* Audi */
    {"Audi", "A3", "Sportback 35 TFSI S line S tronic", BODY_COMPACT, P, A, FR, 110, 1498, 5, 5,
     40450, 130, 57, -1, -1, 14, 2},
    {"Audi", "A4", "Avant 40 TDI quattro S tronic", BODY_ESTATE, D, A, AW, 150, 1968, 5, 5, 57150,
     138, 53, -1, -1, 16, 3},
    {"Audi", "A4", "Avant 35 TFSI advanced", BODY_ESTATE, P, A, FR, 110, 1984, 5, 5, 47900, 147, 65,
     -1, -1, 10, 3},
    {"Audi", "A6", "Avant 45 TDI quattro sport", BODY_ESTATE, D, A, AW, 180, 2967, 5, 5, 70900, 154,
     59, -1, -1, 8, 3},
    {"Audi", "Q3", "35 TFSI S tronic", BODY_SUV, P, A, FR, 110, 1498, 5, 5, 42650, 152, 67, -1, -1,
     10, 2},
    {"Audi", "Q5", "40 TDI quattro S line", BODY_SUV, D, A, AW, 150, 1968, 5, 5, 62050, 164, 62, -1,
     -1, 8, 3},
    {"Audi", "Q4 e-tron", "45 e-tron", BODY_SUV, E, A, RR, 210, -1, 5, 5, 55950, 0, 171, -1, 532, 5,
     3},
    /* Opel */
    {"Opel", "Corsa", "1.2 Turbo Elegance", BODY_SMALL_CAR, P, M, FR, 74, 1199, 5, 5, 23350, 123,
     54, -1, -1, 18, 1},
    {"Opel", "Astra", "Sports Tourer 1.5 Diesel Edition", BODY_ESTATE, D, M, FR, 96, 1499, 5, 5,
     31290, 118, 45, -1, -1, 12, 1},
    {"Opel", "Mokka", "1.2 Turbo GS Line", BODY_SUV, P, A, FR, 100, 1199, 5, 5, 31470, 140, 62, -1,
     -1, 10, 1},
    {"Opel", "Grandland", "1.6 Plug-in-Hybrid Ultimate", BODY_SUV, PH, A, FR, 165, 1598, 5, 5,
     46250, 31, 14, 155, 64, 4, 2},
    /* Skoda */
    {"Škoda", "Octavia Combi", "2.0 TDI Style DSG", BODY_ESTATE, D, A, FR, 110, 1968, 5, 5, 39900,
     119, 45, -1, -1, 18, 1},
    {"Škoda", "Octavia Combi", "2.0 TDI RS DSG", BODY_ESTATE, D, A, FR, 147, 1968, 5, 5, 46150, 131,
     50, -1, -1, 6, 2},
    {"Škoda", "Fabia", "1.0 TSI Style", BODY_SMALL_CAR, P, M, FR, 70, 999, 5, 5, 22460, 117, 51, -1,
     -1, 10, 1},
    {"Škoda", "Kodiaq", "2.0 TDI 4x4 Sportline DSG", BODY_SUV, D, A, AW, 142, 1968, 5, 7, 54690,
     168, 64, -1, -1, 8, 2},
    {"Škoda", "Enyaq", "85", BODY_SUV, E, A, RR, 210, -1, 5, 5, 48900, 0, 165, -1, 570, 6, 2},
    {"Škoda", "Superb Combi", "2.0 TDI L&K DSG", BODY_ESTATE, D, A, FR, 142, 1968, 5, 5, 52590, 137,
     52, -1, -1, 6, 2},
    /* Ford */
    {"Ford", "Fiesta", "1.0 EcoBoost Titanium", BODY_SMALL_CAR, P, M, FR, 74, 999, 5, 5, 21950, 118,
     52, -1, -1, 14, 1},
    {"Ford", "Focus", "Turnier 1.5 EcoBlue ST-Line", BODY_ESTATE, D, M, FR, 85, 1499, 5, 5, 33400,
     118, 45, -1, -1, 14, 1},
    {"Ford", "Kuga", "2.5 PHEV Titanium X", BODY_SUV, PH, A, FR, 165, 2488, 5, 5, 44450, 25, 11,
     158, 64, 8, 2},
    {"Ford", "Puma", "1.0 EcoBoost Hybrid ST-Line", BODY_SUV, H, M, FR, 92, 999, 5, 5, 29150, 127,
     56, -1, -1, 10, 1},
    {"Ford", "Transit Custom", "2.0 TDCi Kombi Trend", BODY_VAN, D, M, FR, 96, 1995, 4, 9, 45940,
     199, 76, -1, -1, 4, 1},
    {"Ford", "Ranger", "2.0 EcoBlue Wildtrak Doppelkabine", BODY_PICKUP, D, A, AW, 151, 1996, 4, 5,
     54200, 246, 93, -1, -1, 3, 2},
    /* Toyota */
    {"Toyota", "Yaris", "1.5 Hybrid Team D", BODY_SMALL_CAR, H, A, FR, 85, 1490, 5, 5, 24990, 92,
     41, -1, -1, 12, 1},
    {"Toyota", "Corolla", "Touring Sports 1.8 Hybrid Team D", BODY_ESTATE, H, A, FR, 103, 1798, 5,
     5, 33890, 103, 46, -1, -1, 10, 1},
    {"Toyota", "RAV4", "2.5 Hybrid 4x4 Style", BODY_SUV, H, A, AW, 163, 2487, 5, 5, 46790, 126, 56,
     -1, -1, 8, 2},
    {"Toyota", "GR86", "2.4 Boxer", BODY_COUPE, P, M, RR, 172, 2387, 2, 4, 38990, 241, 106, -1, -1,
     2, 2},
    /* Hyundai / Kia */
    {"Hyundai", "i30", "1.5 T-GDI Trend", BODY_COMPACT, P, M, FR, 103, 1482, 5, 5, 29690, 134, 59,
     -1, -1, 8, 1},
    {"Hyundai", "Tucson", "1.6 T-GDI Hybrid Prime", BODY_SUV, H, A, FR, 158, 1598, 5, 5, 44590, 136,
     60, -1, -1, 8, 2},
    {"Hyundai", "Ioniq 5", "77,4 kWh Uniq", BODY_SUV, E, A, RR, 168, -1, 5, 5, 54900, 0, 176, -1,
     507, 6, 2},
    {"Kia", "Sportage", "1.6 T-GDI Vision", BODY_SUV, P, A, FR, 110, 1598, 5, 5, 35590, 161, 71, -1,
     -1, 10, 1},
    {"Kia", "Ceed Sportswagon", "1.5 T-GDI Spirit", BODY_ESTATE, P, M, FR, 103, 1482, 5, 5, 30390,
     137, 60, -1, -1, 6, 1},
    {"Kia", "EV6", "77,4 kWh GT-Line AWD", BODY_SUV, E, A, AW, 239, -1, 5, 5, 61890, 0, 185, -1,
     484, 4, 3},
    {"Kia", "Picanto", "1.2 Vision", BODY_SMALL_CAR, P, M, FR, 62, 1197, 5, 4, 16690, 118, 52, -1,
     -1, 6, 1},
    /* Tesla */
    {"Tesla", "Model 3", "Long Range AWD", BODY_SALOON, E, A, AW, 366, -1, 4, 5, 49990, 0, 142, -1,
     629, 8, 3},
    {"Tesla", "Model Y", "Maximale Reichweite AWD", BODY_SUV, E, A, AW, 378, -1, 5, 5, 52990, 0,
     157, -1, 600, 8, 3},
    /* Seat / Cupra */
    {"Seat", "Leon", "Sportstourer 1.5 eTSI FR DSG", BODY_ESTATE, P, A, FR, 110, 1498, 5, 5, 33890,
     128, 56, -1, -1, 8, 1},
    {"Seat", "Ibiza", "1.0 TSI Style", BODY_SMALL_CAR, P, M, FR, 81, 999, 5, 5, 21930, 120, 53, -1,
     -1, 8, 1},
    {"Cupra", "Formentor", "1.5 TSI DSG", BODY_SUV, P, A, FR, 110, 1498, 5, 5, 37990, 146, 64, -1,
     -1, 8, 2},
    {"Cupra", "Born", "58 kWh", BODY_COMPACT, E, A, RR, 150, -1, 5, 5, 37990, 0, 153, -1, 427, 4,
     2},
    /* Renault / Dacia */
    {"Renault", "Clio", "TCe 90 Evolution", BODY_SMALL_CAR, P, M, FR, 67, 999, 5, 5, 20300, 118, 52,
     -1, -1, 10, 1},
    {"Renault", "Mégane", "E-Tech Electric EV60 Techno", BODY_COMPACT, E, A, FR, 160, -1, 5, 5,
     44900, 0, 160, -1, 450, 4, 2},
    {"Dacia", "Duster", "TCe 130 Journey", BODY_SUV, P, M, FR, 96, 1333, 5, 5, 22990, 140, 62, -1,
     -1, 10, 1},
    {"Dacia", "Sandero", "Stepway TCe 90 Expression", BODY_SMALL_CAR, P, M, FR, 67, 999, 5, 5,
     17390, 122, 54, -1, -1, 10, 1},
    /* Peugeot / Citroën / Fiat */
    {"Peugeot", "208", "PureTech 100 Allure", BODY_SMALL_CAR, P, M, FR, 74, 1199, 5, 5, 24150, 121,
     53, -1, -1, 8, 1},
    {"Peugeot", "3008", "Hybrid 136 e-DCS6 GT", BODY_SUV, H, A, FR, 100, 1199, 5, 5, 40490, 126, 56,
     -1, -1, 6, 2},
    {"Citroën", "C3", "PureTech 83 Feel", BODY_SMALL_CAR, P, M, FR, 61, 1199, 5, 5, 18990, 127, 56,
     -1, -1, 6, 1},
    {"Fiat", "500", "1.0 GSE Hybrid Dolcevita", BODY_SMALL_CAR, H, M, FR, 51, 999, 3, 4, 19490, 109,
     48, -1, -1, 10, 1},
    {"Fiat", "500", "Cabrio 1.0 Hybrid Lounge", BODY_CONVERTIBLE, H, M, FR, 51, 999, 3, 4, 21990,
     112, 49, -1, -1, 4, 1},
    /* Porsche */
    {"Porsche", "911", "Carrera S Coupé PDK", BODY_COUPE, P, A, RR, 331, 2981, 2, 4, 143300, 235,
     104, -1, -1, 4, 3},
    {"Porsche", "Macan", "Macan T PDK", BODY_SUV, P, A, AW, 195, 1984, 5, 5, 79600, 225, 99, -1, -1,
     4, 3},
    {"Porsche", "Taycan", "4S Sport Turismo", BODY_ESTATE, E, A, AW, 420, -1, 5, 4, 124900, 0, 209,
     -1, 495, 2, 3},
    /* Mazda / Nissan / Volvo / Mini / Smart / Land Rover / Jeep / Suzuki */
    {"Mazda", "CX-5", "e-SKYACTIV G 165 Advantage", BODY_SUV, P, M, FR, 121, 1998, 5, 5, 36990, 163,
     72, -1, -1, 6, 2},
    {"Mazda", "MX-5", "Skyactiv-G 184 Kazari", BODY_CONVERTIBLE, P, M, RR, 135, 1998, 2, 2, 36990,
     156, 69, -1, -1, 3, 2},
    {"Nissan", "Qashqai", "1.3 DIG-T MHEV N-Connecta", BODY_SUV, H, M, FR, 103, 1332, 5, 5, 34190,
     143, 63, -1, -1, 8, 1},
    {"Nissan", "Leaf", "e+ 59 kWh Tekna", BODY_COMPACT, E, A, FR, 160, -1, 5, 5, 44900, 0, 181, -1,
     385, 3, 2},
    {"Volvo", "XC60", "B4 Diesel AWD Plus Dark", BODY_SUV, D, A, AW, 145, 1969, 5, 5, 61890, 169,
     64, -1, -1, 6, 3},
    {"Volvo", "V60", "B4 Benzin Core", BODY_ESTATE, P, A, FR, 145, 1969, 5, 5, 49690, 159, 70, -1,
     -1, 4, 3},
    {"Mini", "Cooper", "S 3-Türer Classic Trim", BODY_SMALL_CAR, P, A, FR, 150, 1998, 3, 4, 32600,
     141, 62, -1, -1, 6, 2},
    {"Smart", "#1", "Pro+", BODY_SUV, E, A, RR, 200, -1, 5, 5, 41490, 0, 169, -1, 440, 3, 2},
    {"Land Rover", "Range Rover Evoque", "P200 R-Dynamic SE", BODY_SUV, H, A, AW, 147, 1997, 5, 5,
     58900, 199, 88, -1, -1, 3, 3},
    {"Land Rover", "Defender", "110 D250 X-Dynamic SE", BODY_SUV, D, A, AW, 183, 2997, 5, 5, 86500,
     246, 93, -1, -1, 2, 3},
    {"Jeep", "Compass", "1.3 T-GDI 4xe Limited", BODY_SUV, PH, A, AW, 177, 1332, 5, 5, 47900, 47,
     21, 163, 49, 3, 2},
    {"Suzuki", "Vitara", "1.4 Boosterjet Hybrid Comfort+ AllGrip", BODY_SUV, H, M, AW, 95, 1373, 5,
     5, 31990, 141, 62, -1, -1, 4, 1},
    {"Suzuki", "Swift", "1.2 Dualjet Hybrid Comfort", BODY_SMALL_CAR, H, M, FR, 61, 1197, 5, 5,
     19990, 106, 47, -1, -1, 4, 1},
    {"Volkswagen", "Amarok", "3.0 TDI Aventura 4MOTION", BODY_PICKUP, D, A, AW, 177, 2993, 4, 5,
     67850, 264, 100, -1, -1, 2, 2},
};
#define NCAT ((int)(sizeof cat / sizeof cat[0]))

/* Youngtimers and classics: registered 1970..2000. */
static const struct variant classics[] = {
    {"Volkswagen", "Golf", "GTI 16V (Golf II)", BODY_COMPACT, P, M, FR, 102, 1781, 3, 5, 16000, -1,
     87, -1, -1, 3, 2},
    {"Volkswagen", "Käfer", "1303 Cabriolet", BODY_CONVERTIBLE, P, M, RR, 37, 1584, 2, 4, 9000, -1,
     95, -1, -1, 2, 2},
    {"Mercedes-Benz", "SL", "500 (R129)", BODY_CONVERTIBLE, P, A, RR, 240, 4973, 2, 2, 98000, -1,
     140, -1, -1, 2, 3},
    {"Mercedes-Benz", "E-Klasse", "E 220 (W124)", BODY_SALOON, P, A, RR, 110, 2199, 4, 5, 29000, -1,
     99, -1, -1, 3, 2},
    {"BMW", "3er", "325i Cabrio (E30)", BODY_CONVERTIBLE, P, M, RR, 126, 2494, 2, 4, 27000, -1, 105,
     -1, -1, 2, 3},
    {"Porsche", "911", "Carrera 2 (964)", BODY_COUPE, P, M, RR, 184, 3600, 2, 4, 60000, -1, 125, -1,
     -1, 2, 3},
    {"Mazda", "MX-5", "1.6 (NA)", BODY_CONVERTIBLE, P, M, RR, 85, 1597, 2, 2, 19000, -1, 80, -1, -1,
     2, 1},
};
#define NCLASSIC ((int)(sizeof classics / sizeof classics[0]))

void seed_catalogue_size(int *makes, int *models, int *variants)
{
  const struct variant *all[NCAT + NCLASSIC];
  for (int i = 0; i < NCAT; i++)
    all[i] = &cat[i];
  for (int i = 0; i < NCLASSIC; i++)
    all[NCAT + i] = &classics[i];
  int nmk = 0, nmd = 0;
  for (int i = 0; i < NCAT + NCLASSIC; i++) {
    bool new_make = true, new_model = true;
    for (int j = 0; j < i; j++) {
      if (!strcmp(all[j]->make, all[i]->make)) {
        new_make = false;
        if (!strcmp(all[j]->model, all[i]->model))
          new_model = false;
      }
    }
    nmk += new_make;
    nmd += new_model;
  }
  *makes = nmk;
  *models = nmd;
  *variants = NCAT + NCLASSIC;
}

static const struct {
  const char *make, *wmi;
} wmis[] = {{"Volkswagen", "WVW"}, {"Mercedes-Benz", "WDD"}, {"BMW", "WBA"},     {"Audi", "WAU"},
            {"Opel", "W0L"},       {"Škoda", "TMB"},         {"Ford", "WF0"},    {"Toyota", "SB1"},
            {"Hyundai", "KMH"},    {"Kia", "KNA"},           {"Tesla", "LRW"},   {"Seat", "VSS"},
            {"Cupra", "VSS"},      {"Renault", "VF1"},       {"Dacia", "UU1"},   {"Peugeot", "VF3"},
            {"Citroën", "VF7"},    {"Fiat", "ZFA"},          {"Porsche", "WP0"}, {"Mazda", "JMZ"},
            {"Nissan", "SJN"},     {"Volvo", "YV1"},         {"Mini", "WMW"},    {"Smart", "LSF"},
            {"Land Rover", "SAL"}, {"Jeep", "ZAC"},          {"Suzuki", "TSM"}};

static const char vin_chars[] = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789";

static char *make_vin(struct seed_rng *r, struct arena *a, const char *make, int year)
{
  const char *wmi = "WZZ";
  for (size_t i = 0; i < sizeof wmis / sizeof wmis[0]; i++)
    if (!strcmp(wmis[i].make, make))
      wmi = wmis[i].wmi;
  char *v = arena_alloc(a, 18);
  memcpy(v, wmi, 3);
  for (int i = 3; i < 9; i++)
    v[i] = vin_chars[seed_rng_range(r, 0, (int)sizeof vin_chars - 2)];
  /* model-year code (ISO 3779: A=1980 or 2010, no I, O, Q, U, Z, 0) */
  static const char years[] = "ABCDEFGHJKLMNPRSTVWXY123456789";
  v[9] = years[((year - 1980) % 30 + 30) % 30];
  v[10] = vin_chars[seed_rng_range(r, 0, (int)sizeof vin_chars - 2)];
  for (int i = 11; i < 17; i++)
    v[i] = (char)('0' + seed_rng_range(r, 0, 9));
  v[17] = 0;
  return v;
}

struct colour_choice {
  int colour, weight;
  const char *names[3];
};

static const struct colour_choice colours[] = {
    {COLOUR_BLACK,
     22,
     {"Deep Black Perleffekt", "Saphirschwarz Metallic", "Obsidianschwarz Metallic"}},
    {COLOUR_GREY, 25, {"Mondsteingrau Metallic", "Daytonagrau Perleffekt", "Graphitgrau Metallic"}},
    {COLOUR_WHITE, 20, {"Alpinweiß Uni", "Polarweiß", "Gletscherweiß Metallic"}},
    {COLOUR_SILVER,
     10,
     {"Reflexsilber Metallic", "Iridiumsilber Metallic", "Brillantsilber Metallic"}},
    {COLOUR_BLUE, 10, {"Atlantic Blue Metallic", "Navarrablau Metallic", "Portimao Blau Metallic"}},
    {COLOUR_RED, 6, {"Kings Red Metallic", "Tornadorot", "Melbourne Rot Metallic"}},
    {COLOUR_GREEN, 2, {"Kings Green Metallic", "Oliv Metallic", "British Racing Green"}},
    {COLOUR_BROWN, 1, {"Havannabraun Metallic", "Mokka Metallic", "Kastanienbraun"}},
    {COLOUR_BEIGE, 1, {"Sandbeige Metallic", "Champagner", "Kalaharibeige"}},
    {COLOUR_YELLOW, 1, {"Signalgelb", "Racing Yellow", "Sonnengelb"}},
    {COLOUR_ORANGE, 1, {"Vulcano Orange", "Lava Orange Metallic", "Papaya Orange"}},
    {COLOUR_GOLD, 0, {"Gold Metallic", "Gold", "Gold"}},
};

/* probability (percent) of each feature for tiers 1..3 */
static const unsigned char feat_pct[FEAT__COUNT][3] = {
    [FEAT_NAVIGATION] = {55, 75, 92},
    [FEAT_TRAILER_HITCH] = {15, 25, 30},
    [FEAT_HEATED_SEATS] = {50, 70, 90},
    [FEAT_LED_HEADLIGHTS] = {45, 70, 90},
    [FEAT_ACC] = {30, 55, 80},
    [FEAT_PANORAMA_ROOF] = {8, 20, 35},
    [FEAT_SUNROOF] = {4, 8, 10},
    [FEAT_PARKING_SENSORS] = {70, 85, 97},
    [FEAT_REAR_CAMERA] = {45, 65, 85},
    [FEAT_CAMERA_360] = {5, 15, 35},
    [FEAT_LEATHER] = {8, 25, 60},
    [FEAT_KEYLESS] = {20, 45, 75},
    [FEAT_HUD] = {5, 15, 40},
    [FEAT_SMARTPHONE] = {65, 80, 90},
    [FEAT_BLUETOOTH] = {95, 97, 99},
    [FEAT_CLIMATE_AUTO] = {60, 85, 97},
    [FEAT_AIR_CONDITIONING] = {98, 99, 99},
    [FEAT_ALLOY_WHEELS] = {70, 90, 98},
    [FEAT_SPORT_PACKAGE] = {15, 30, 45},
    [FEAT_ELECTRIC_TAILGATE] = {8, 30, 65},
    [FEAT_LANE_ASSIST] = {60, 75, 90},
    [FEAT_BLIND_SPOT] = {25, 45, 70},
    [FEAT_SEAT_VENTILATION] = {2, 8, 25},
    [FEAT_MASSAGE_SEATS] = {1, 4, 15},
    [FEAT_HEATED_STEERING] = {20, 35, 55},
    [FEAT_ISOFIX] = {95, 97, 97},
    [FEAT_EMERGENCY_BRAKE] = {75, 85, 95},
    [FEAT_TRAFFIC_SIGN] = {55, 70, 85},
    [FEAT_SOUND_SYSTEM] = {10, 25, 50},
    [FEAT_DAB] = {60, 75, 90},
    [FEAT_ELECTRIC_SEATS] = {5, 25, 60},
    [FEAT_AUX_HEATING] = {3, 8, 15},
    [FEAT_AIR_SUSPENSION] = {0, 3, 20},
    [FEAT_AWD_OFFROAD] = {0, 0, 0},
    [FEAT_TINTED_WINDOWS] = {20, 35, 55},
    [FEAT_ROOF_RAILS] = {0, 0, 0},
    [FEAT_HEAT_PUMP] = {0, 0, 0},
    [FEAT_FAST_CHARGING] = {0, 0, 0},
};

static int euro_class(int year, int fuel)
{
  if (fuel == FUEL_ELECTRIC)
    return EURO_NONE;
  if (year >= 2025)
    return EURO_6E;
  if (year >= 2021)
    return EURO_6D;
  if (year >= 2019)
    return EURO_6D_TEMP;
  if (year >= 2015)
    return EURO_6;
  if (year >= 2011)
    return EURO_5;
  if (year >= 2006)
    return EURO_4;
  if (year >= 2001)
    return EURO_3;
  if (year >= 1997)
    return EURO_2;
  if (year >= 1993)
    return EURO_1;
  return EURO_NONE;
}

/* Pkw-EnVKV CO2 classes since 2024 (WLTP combined g/km; plug-in hybrids use the
 * weighted value): A = 0, B ≤ 95, C ≤ 115, D ≤ 135, E ≤ 155, F ≤ 175, G above. */
static const char *co2_class(int co2)
{
  if (co2 < 0)
    return "";
  if (co2 == 0)
    return "A";
  if (co2 <= 95)
    return "B";
  if (co2 <= 115)
    return "C";
  if (co2 <= 135)
    return "D";
  if (co2 <= 155)
    return "E";
  if (co2 <= 175)
    return "F";
  return "G";
}

static int64_t dealer_price(double eur)
{
  /* Dealers price in whole hundreds minus ten ("24.990 €"). */
  int64_t h = (int64_t)(eur / 100.0 + 0.5);
  if (h < 6)
    h = 6;
  return (h * 100 - 10) * 100;
}

static const struct variant *pick(struct seed_rng *r, const struct variant *t, int n)
{
  int total = 0;
  for (int i = 0; i < n; i++)
    total += t[i].weight;
  int x = seed_rng_range(r, 0, total - 1);
  for (int i = 0; i < n; i++) {
    x -= t[i].weight;
    if (x < 0)
      return &t[i];
  }
  return &t[n - 1];
}

void seed_vehicle(struct seed_rng *r, struct arena *a, int64_t now, struct vehicle *v)
{
  int ny, nm;
  time_berlin_ym(now, &ny, &nm);
  int now_ym = ny * 12 + nm - 1;
  int roll = seed_rng_range(r, 0, 99);
  int cond = roll < 8    ? COND_NEW
             : roll < 14 ? COND_DEMO
             : roll < 20 ? COND_ANNUAL
             : roll < 22 ? COND_CLASSIC
                         : COND_USED;
  const struct variant *c = cond == COND_CLASSIC ? pick(r, classics, NCLASSIC) : pick(r, cat, NCAT);

  v->make = c->make;
  v->model = c->model;
  v->variant = c->variant;
  v->body = c->body;
  v->fuel = c->fuel;
  v->gearbox = c->gearbox;
  v->drive = c->drive;
  v->power_kw = c->kw;
  v->ccm = c->ccm;
  v->doors = c->doors;
  v->seats = c->seats;
  v->condition = cond;

  int age_m; /* months since first registration */
  switch (cond) {
  case COND_NEW:
    age_m = -1;
    break;
  case COND_DEMO:
    age_m = seed_rng_range(r, 1, 9);
    break;
  case COND_ANNUAL:
    age_m = seed_rng_range(r, 6, 14);
    break;
  case COND_CLASSIC:
    age_m = seed_rng_range(r, 26 * 12, 45 * 12);
    break;
  default: {
    /* most used cars are 2 to 8 years old */
    double x = rnd01(r), y = rnd01(r);
    age_m = 12 + (int)((x + y) / 2 * 12 * 12);
    /* electric and plug-in models on the market are young */
    if ((c->fuel == FUEL_ELECTRIC || c->fuel == FUEL_PLUGIN_HYBRID) && age_m > 72)
      age_m = 12 + age_m % 60;
  }
  }
  double price_eur = c->list_eur;
  if (age_m < 0) {
    v->first_reg = -1;
    v->mileage_km = seed_rng_range(r, 5, 50);
    v->previous_owners = 0;
  } else {
    v->first_reg = now_ym - age_m;
    double years = age_m / 12.0;
    int per_year =
        cond == COND_CLASSIC ? seed_rng_range(r, 1500, 6000) : seed_rng_range(r, 8000, 24000);
    v->mileage_km = (int)(years * per_year) + seed_rng_range(r, 50, 900);
    if (cond == COND_DEMO)
      v->mileage_km = seed_rng_range(r, 500, 12000);
    v->previous_owners = cond == COND_DEMO || cond == COND_ANNUAL ? 1
                         : cond == COND_CLASSIC                   ? seed_rng_range(r, 2, 6)
                                                : 1 + seed_rng_range(r, 0, age_m / 48);
    if (cond == COND_CLASSIC) {
      /* classics appreciate with condition; c->list_eur is today's market value */
      price_eur = c->list_eur * (0.75 + rnd01(r) * 0.6);
    } else {
      double dep = 1.0;
      for (int y = 0; y < (int)years; y++)
        dep *= y == 0 ? 0.78 : 0.88;
      dep *= 1.0 - (years - (int)years) * 0.1;
      double km_factor = 1.0 - (v->mileage_km - years * 15000.0) / 300000.0;
      if (km_factor < 0.7)
        km_factor = 0.7;
      if (km_factor > 1.15)
        km_factor = 1.15;
      price_eur = c->list_eur * dep * km_factor * (0.95 + rnd01(r) * 0.1);
      if (cond == COND_DEMO)
        price_eur = c->list_eur * (0.78 + rnd01(r) * 0.08);
    }
    /* HU: three years after first registration, then every two years */
    int due = v->first_reg + 36;
    while (due <= now_ym)
      due += 24;
    v->hu_until = due;
  }
  v->price_cents = dealer_price(price_eur);

  int year = v->first_reg >= 0 ? v->first_reg / 12 : ny;
  v->emission_class = euro_class(year, c->fuel);
  if (c->co2 >= 0) {
    /* older cars were measured under NEDC; keep WLTP-like figures a little higher */
    int extra = v->first_reg >= 0 && year < 2018 ? (2018 - year) * 2 : 0;
    v->co2_g_km = c->co2 == 0 ? 0 : c->co2 + extra;
    v->consumption_x10 = c->fuel == FUEL_ELECTRIC ? c->el_x10 : c->cons_x10 + extra / 2;
    if (c->fuel == FUEL_PLUGIN_HYBRID) {
      v->consumption_el_x10 = c->el_x10;
      v->range_km = c->range_km;
    }
    if (c->fuel == FUEL_ELECTRIC)
      v->range_km = c->range_km;
  } else {
    v->consumption_x10 = c->cons_x10;
  }
  if (cond == COND_NEW || cond == COND_DEMO || cond == COND_ANNUAL)
    v->co2_class = co2_class(v->co2_g_km);

  int total = 0;
  for (size_t i = 0; i < sizeof colours / sizeof colours[0]; i++)
    total += colours[i].weight;
  int x = seed_rng_range(r, 0, total - 1);
  const struct colour_choice *col = &colours[0];
  for (size_t i = 0; i < sizeof colours / sizeof colours[0]; i++) {
    x -= colours[i].weight;
    if (x < 0) {
      col = &colours[i];
      break;
    }
  }
  v->colour = col->colour;
  v->colour_name = col->names[seed_rng_range(r, 0, 2)];

  /* equipment: by tier, thinner for older cars, class-specific extras */
  int tier = c->tier - 1;
  int age_penalty = age_m > 96 ? 25 : age_m > 48 ? 10 : 0;
  uint64_t feats = 0;
  for (int f = 0; f < FEAT__COUNT; f++) {
    int p = feat_pct[f][tier] - (f == FEAT_AIR_CONDITIONING || f == FEAT_ISOFIX ? 0 : age_penalty);
    if (cond == COND_CLASSIC)
      p = f == FEAT_SUNROOF || f == FEAT_LEATHER || f == FEAT_ALLOY_WHEELS ? 40 : 0;
    if (seed_rng_range(r, 0, 99) < p)
      feats |= (uint64_t)1 << f;
  }
  if (c->body == BODY_SUV || c->body == BODY_ESTATE || c->body == BODY_PICKUP)
    if (seed_rng_range(r, 0, 99) < 60)
      feats |= (uint64_t)1 << FEAT_ROOF_RAILS;
  if (c->drive == DRIVE_ALL && (c->body == BODY_SUV || c->body == BODY_PICKUP) &&
      seed_rng_range(r, 0, 99) < 50)
    feats |= (uint64_t)1 << FEAT_AWD_OFFROAD;
  if (c->fuel == FUEL_ELECTRIC) {
    feats |= (uint64_t)1 << FEAT_FAST_CHARGING;
    if (seed_rng_range(r, 0, 99) < 55)
      feats |= (uint64_t)1 << FEAT_HEAT_PUMP;
  }
  if (feats & ((uint64_t)1 << FEAT_CLIMATE_AUTO))
    feats |= (uint64_t)1 << FEAT_AIR_CONDITIONING;
  v->features = feats;

  v->accident_free = cond == COND_NEW || seed_rng_range(r, 0, 99) < 93;
  v->roadworthy = true;
  v->vat_mode =
      (cond == COND_USED && age_m >= 36 && seed_rng_range(r, 0, 99) < 65) || cond == COND_CLASSIC
          ? VAT_MARGIN
          : VAT_SHOWN;
  v->vin = make_vin(r, a, c->make, year);

  int st = seed_rng_range(r, 0, 99);
  v->status = st < 88   ? STATUS_PUBLISHED
              : st < 93 ? STATUS_RESERVED
              : st < 98 ? STATUS_DRAFT
                        : STATUS_SOLD;
  v->created_at = now - seed_rng_range(r, 3600, 120 * 86400);
  v->published_at =
      v->status == STATUS_DRAFT ? 0 : v->created_at + seed_rng_range(r, 300, 4 * 3600);
  if (v->published_at > now)
    v->published_at = now;

  static const char *openers[] = {
      "Gepflegter %s %s aus %s.",
      "Schöner %s %s, %s.",
      "Sehr gut erhaltener %s %s – %s.",
  };
  const char *origin = cond == COND_NEW          ? "sofort verfügbar"
                       : cond == COND_DEMO       ? "unser Vorführwagen"
                       : cond == COND_ANNUAL     ? "Jahreswagen aus Werksangehörigenbesitz"
                       : cond == COND_CLASSIC    ? "ein gesuchter Klassiker mit Historie"
                       : v->previous_owners <= 1 ? "erster Hand"
                                                 : "gepflegtem Vorbesitz";
  const char *opener = openers[seed_rng_range(r, 0, 2)];
  char first[256];
  snprintf(first, sizeof first, opener, c->make, c->model, origin);
  const char *service = cond == COND_CLASSIC ? "Gutachten und Wertgutachten liegen vor."
                        : seed_rng_range(r, 0, 1)
                            ? "Scheckheftgepflegt, alle Inspektionen beim Vertragshändler."
                            : "Unfallfrei laut Vorbesitzer, Nichtraucherfahrzeug.";
  const char *extra =
      (feats & ((uint64_t)1 << FEAT_NAVIGATION)) && (feats & ((uint64_t)1 << FEAT_HEATED_SEATS))
          ? "Mit Navigation und Sitzheizung – ideal für den Alltag."
      : c->fuel == FUEL_ELECTRIC ? "Batterie-Zertifikat mit hohem State of Health liegt vor."
                                 : "Frischer Service und neue HU bei Auslieferung möglich.";
  v->description = arena_printf(a, "%s %s %s Farbe: %s. Finanzierung und Inzahlungnahme möglich.",
                                first, service, extra, v->colour_name);
}
