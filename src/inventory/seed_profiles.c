/* seed_profiles.c — showroom profiles of the three demo dealers: plausible German
 * legal data (fictitious register entries; VAT IDs with valid check digits), a
 * position on the map, opening hours (one with a lunch break), brand colours that
 * pass the contrast check, team and social links. */
#include "inventory/seed.h"

#include "core/arena.h"
#include "core/json.h"
#include "inventory/seed_data.h"
#include "tenant/tenant.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

struct seed_profile {
  const char *slug;
  const char *legal_name, *legal_form, *directors, *court, *number, *vat, *tax;
  const char *lat, *lon, *primary, *accent;
  const char *hours[7]; /* as typed in the form */
  const char *team[4][4];
  const char *instagram, *facebook, *youtube;
};

static const struct seed_profile profiles[] = {
    {"autohaus-berger",
     "Autohaus Berger GmbH",
     "gmbh",
     "Thomas Berger, Anja Berger",
     "Amtsgericht Hamburg",
     "HRB 104562",
     "DE273648192",
     "43/721/01234",
     "53.5719",
     "10.0673",
     "#0b4f8a",
     "#b45309",
     {"08:00-18:30", "08:00-18:30", "08:00-18:30", "08:00-18:30", "08:00-18:00", "09:00-14:00", ""},
     {{"Thomas Berger", "Geschäftsführer", "+49 40 6891230", "t.berger@autohaus-berger.example"},
      {"Anja Berger", "Verkaufsleitung", "+49 40 6891231", "a.berger@autohaus-berger.example"},
      {"Mehmet Yılmaz", "Gebrauchtwagen & Inzahlungnahme", "+49 40 6891235", ""},
      {"Laura Schmidt", "Finanzierung & Leasing", "", "finanzierung@autohaus-berger.example"}},
     "https://www.instagram.com/autohausberger.demo",
     "https://www.facebook.com/autohausberger.demo",
     NULL},
    {"autozentrum-isar",
     "Autozentrum Isar GmbH & Co. KG",
     "gmbh_co_kg",
     "Isar Automobil Verwaltungs GmbH, vertreten durch Dr. Katharina Huber",
     "Amtsgericht München",
     "HRA 112233",
     "DE418293755",
     "143/815/08155",
     "48.1427",
     "11.4696",
     "#111827",
     "#a16207",
     {"09:00-19:00", "09:00-19:00", "09:00-19:00", "09:00-19:00", "09:00-19:00", "10:00-16:00", ""},
     {{"Dr. Katharina Huber", "Geschäftsführerin", "+49 89 5467780", ""},
      {"Maximilian Gruber", "Verkauf Premium-Gebrauchtwagen", "+49 89 5467784",
       "m.gruber@autozentrum-isar.example"},
      {"Sophie Wagner", "Kundenservice & Garantie", "", "service@autozentrum-isar.example"},
      {NULL, NULL, NULL, NULL}},
     "https://www.instagram.com/autozentrumisar.demo",
     NULL,
     "https://www.youtube.com/@autozentrumisar.demo"},
    {"rheinland-automobile",
     "Rheinland Automobile Schneider e.K.",
     "ek",
     "Markus Schneider (Inhaber)",
     "Amtsgericht Köln",
     "HRA 30517",
     "DE562738406",
     "214/5012/3456",
     "50.9380",
     "6.8645",
     "#047857",
     "#0e7490",
     {"08:30-12:30, 13:30-18:00", "08:30-12:30, 13:30-18:00", "08:30-12:30, 13:30-18:00",
      "08:30-12:30, 13:30-18:00", "08:30-12:30, 13:30-17:00", "10:00-13:00", ""},
     {{"Markus Schneider", "Inhaber", "+49 221 4861150",
       "m.schneider@rheinland-automobile.example"},
      {"Elif Demir", "E-Mobilität & Wallbox-Beratung", "+49 221 4861152", ""},
      {"Jonas Becker", "Werkstatt & Service", "+49 221 4861158", ""},
      {NULL, NULL, NULL, NULL}},
     NULL,
     "https://www.facebook.com/rheinlandautomobile.demo",
     NULL},
};

struct fields {
  const struct seed_profile *p;
  const struct seed_dealer *d;
};

static const char *get(void *ctx, const char *name)
{
  const struct fields *f = ctx;
  const struct seed_profile *p = f->p;
  const struct seed_dealer *d = f->d;
  static const struct {
    const char *name;
    size_t off;
    bool dealer;
  } map[] = {
      {"name", offsetof(struct seed_dealer, name), true},
      {"street", offsetof(struct seed_dealer, street), true},
      {"zip", offsetof(struct seed_dealer, zip), true},
      {"city", offsetof(struct seed_dealer, city), true},
      {"phone", offsetof(struct seed_dealer, phone), true},
      {"email", offsetof(struct seed_dealer, email), true},
      {"website", offsetof(struct seed_dealer, website), true},
      {"about_de", offsetof(struct seed_dealer, about_de), true},
      {"about_en", offsetof(struct seed_dealer, about_en), true},
      {"legal_name", offsetof(struct seed_profile, legal_name), false},
      {"legal_form", offsetof(struct seed_profile, legal_form), false},
      {"managing_directors", offsetof(struct seed_profile, directors), false},
      {"register_court", offsetof(struct seed_profile, court), false},
      {"register_number", offsetof(struct seed_profile, number), false},
      {"vat_id", offsetof(struct seed_profile, vat), false},
      {"tax_number", offsetof(struct seed_profile, tax), false},
      {"lat", offsetof(struct seed_profile, lat), false},
      {"lon", offsetof(struct seed_profile, lon), false},
      {"color_primary", offsetof(struct seed_profile, primary), false},
      {"color_accent", offsetof(struct seed_profile, accent), false},
      {"social_instagram", offsetof(struct seed_profile, instagram), false},
      {"social_facebook", offsetof(struct seed_profile, facebook), false},
      {"social_youtube", offsetof(struct seed_profile, youtube), false},
  };
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (!strcmp(name, map[i].name))
      return *(
          const char *const *)((const char *)(map[i].dealer ? (const void *)d : (const void *)p) +
                               map[i].off);
  int k, n;
  if (sscanf(name, "hours_%d%n", &k, &n) == 1 && !name[n] && k >= 0 && k < 7)
    return p->hours[k];
  char what[8];
  if (sscanf(name, "team_%d_%7s", &k, what) == 2 && k >= 0 && k < 4) {
    static const char *const parts[] = {"name", "role", "phone", "email"};
    for (int j = 0; j < 4; j++)
      if (!strcmp(what, parts[j]))
        return p->team[k][j];
  }
  return NULL; /* logo_path is set by the caller: the file name follows the slug */
}

int seed_dealer_profile(db_conn *c, struct arena *a, const struct tenant *t,
                        const struct seed_dealer *d, struct err *e)
{
  const struct seed_profile *sp = NULL;
  for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++)
    if (!strcmp(profiles[i].slug, t->slug))
      sp = &profiles[i];
  if (!sp)
    return 0;
  struct fields f = {sp, d};
  struct tenant base = *t;
  struct tenant_profile p;
  struct field_errors errs;
  field_errors_init(&errs, a);
  if (tenant_profile_from_fields(a, get, &f, &base, &p, &errs) < 0)
    return err_set(e, CC24_E_INTERNAL, "demo profile of %s: %s %s", t->slug, errs.e[0].field,
                   errs.e[0].detail);
  p.logo_path = arena_printf(a, "/static/img/dealers/%s.svg", t->slug);
  return tenant_profile_save(c, a, &base, &p, e);
}
