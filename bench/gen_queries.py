#!/usr/bin/env python3
"""Generate a realistic, reproducible mix of search queries for the benchmark.

Reads /api/v1/makes from a running cc24 (so queries use the values in the
data), writes N distinct query paths to OUT/urls.txt and, for the PostgreSQL
comparison, the equivalent SQL of one search request (count, page, facets) per
query to OUT/sql/qNNNN.sql. Usage: gen_queries.py BASE_URL OUT_DIR [N] [SEED]"""
import json
import os
import random
import sys
import urllib.parse
import urllib.request

base, out = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 1200
rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 24)

makes = json.load(urllib.request.urlopen(base + '/api/v1/makes'))['makes']
bodies = ['saloon', 'estate', 'small_car', 'compact', 'convertible', 'coupe', 'suv', 'van']
fuels = ['petrol', 'diesel', 'electric', 'hybrid', 'plugin_hybrid']
gearboxes = ['manual', 'automatic']
conditions = ['new', 'used', 'demo', 'annual']
colours = ['black', 'grey', 'white', 'silver', 'blue', 'red']
features = ['navigation', 'heated_seats', 'led_headlights', 'adaptive_cruise_control',
            'trailer_hitch', 'rear_camera', 'panorama_roof']
sorts = ['relevance', 'price_asc', 'price_desc', 'mileage_asc', 'year_desc', 'newest']
weights = [m['count'] for m in makes]


def one():
    p = []
    if rng.random() < 0.7:
        m = rng.choices(makes, weights)[0]
        p.append(('make', m['make']))
        if rng.random() < 0.5 and m['models']:
            mo = rng.choices(m['models'], [x['count'] for x in m['models']])[0]
            p.append(('model', mo['model']))
    if rng.random() < 0.3:
        p.append(('body', rng.choice(bodies)))
    if rng.random() < 0.35:
        p.append(('fuel', rng.choice(fuels)))
    if rng.random() < 0.2:
        p.append(('gearbox', rng.choice(gearboxes)))
    if rng.random() < 0.15:
        p.append(('condition', rng.choice(conditions)))
    if rng.random() < 0.1:
        p.append(('colour', rng.choice(colours)))
    if rng.random() < 0.15:
        p.append(('features', ','.join(rng.sample(features, rng.randint(1, 2)))))
    if rng.random() < 0.5:
        p.append(('price_max', str(rng.choice([10000, 15000, 20000, 25000, 30000, 40000, 50000]))))
    if rng.random() < 0.2:
        p.append(('price_min', str(rng.choice([5000, 10000, 15000]))))
    if rng.random() < 0.3:
        p.append(('mileage_max', str(rng.choice([20000, 50000, 100000, 150000]))))
    if rng.random() < 0.3:
        p.append(('year_min', str(rng.randint(2012, 2024))))
    if rng.random() < 0.1:
        p.append(('power_min', str(rng.choice([70, 100, 150, 200]))))
    if rng.random() < 0.1:
        p.append(('q', rng.choice(['tdi', 'touring', 'gti', 'quattro', 'hybrid', 'amg', 'm sport'])))
    p.append(('sort', rng.choice(sorts)))
    p.append(('page', str(rng.choices([1, 2, 3, 5], [70, 15, 10, 5])[0])))
    p.append(('size', str(rng.choice([24, 24, 24, 12, 48]))))
    return p


def lit(s):
    return "'" + s.replace("'", "''") + "'"


def where(p, skip=None):
    w = ["v.status IN ('published', 'reserved')"]
    for k, v in p:
        if k == skip:
            continue
        if k in ('make', 'model'):
            w.append('lower(v.%s) = lower(%s)' % (k, lit(v)))
        elif k in ('body', 'fuel', 'gearbox', 'condition', 'colour'):
            w.append('v.%s = %s' % (k, lit(v)))
        elif k == 'features':
            bits = {'navigation': 0, 'trailer_hitch': 1, 'heated_seats': 2, 'led_headlights': 3,
                    'adaptive_cruise_control': 4, 'panorama_roof': 5, 'rear_camera': 8}
            m = sum(1 << bits[f] for f in v.split(','))
            w.append('(v.features & %d) = %d' % (m, m))
        elif k == 'price_max' and skip != 'price':
            w.append('v.price_cents <= %d' % (int(v) * 100))
        elif k == 'price_min' and skip != 'price':
            w.append('v.price_cents >= %d' % (int(v) * 100))
        elif k == 'mileage_max':
            w.append('v.mileage_km <= %s' % v)
        elif k == 'power_min':
            w.append('v.power_kw >= %s' % v)
        elif k == 'year_min':
            w.append('(CASE WHEN v.first_reg < 0 THEN 999999 ELSE v.first_reg END) >= %d' % (int(v) * 12))
        elif k == 'q':
            for t in v.split():
                w.append("(' ' || v.search_text) LIKE %s" % lit('%% %s%%' % t))
    return ' AND '.join(w)


ORDER = {'relevance': 'v.published_at DESC, v.id', 'newest': 'v.published_at DESC, v.id',
         'price_asc': 'v.price_cents, v.id', 'price_desc': 'v.price_cents DESC, v.id',
         'mileage_asc': 'v.mileage_km, v.id',
         'year_desc': 'CASE WHEN v.first_reg < 0 THEN 1 ELSE 0 END DESC, v.first_reg DESC, v.id'}

os.makedirs(os.path.join(out, 'sql'), exist_ok=True)
seen = set()
urls = []
while len(urls) < n:
    p = one()
    qs = urllib.parse.urlencode(p)
    if qs in seen:
        continue
    seen.add(qs)
    urls.append('/api/v1/vehicles/search?' + qs)
    d = dict(p)
    page, size = int(d['page']), int(d['size'])
    frm = 'FROM vehicles v JOIN tenants t ON t.id = v.tenant_id'
    stmts = ['SELECT COUNT(*) %s WHERE %s;' % (frm, where(p)),
             'SELECT v.public_id, v.make, v.model, v.variant, v.price_cents, v.mileage_km, v.first_reg,'
             ' v.fuel, v.gearbox, v.body, v.power_kw, v.condition, t.slug, v.status %s WHERE %s'
             ' ORDER BY %s LIMIT %d OFFSET %d;' % (frm, where(p), ORDER[d['sort']], size, (page - 1) * size)]
    for col in ('make', 'body', 'fuel', 'gearbox', 'condition', 'colour'):
        stmts.append('SELECT v.%s, COUNT(*) %s WHERE %s GROUP BY v.%s;' % (col, frm, where(p, col), col))
    if 'make' in d:
        stmts.append('SELECT v.model, COUNT(*) %s WHERE %s GROUP BY v.model;' % (frm, where(p, 'model')))
    stmts.append('SELECT width_bucket(v.price_cents, ARRAY[0,500000,1000000,1500000,2000000,3000000,'
                 '4000000,5000000,7500000,10000000]), COUNT(*) %s WHERE %s GROUP BY 1;' % (frm, where(p, 'price')))
    with open(os.path.join(out, 'sql', 'q%04d.sql' % len(urls)), 'w') as f:
        f.write('\n'.join(stmts) + '\n')
with open(os.path.join(out, 'urls.txt'), 'w') as f:
    f.write('\n'.join(urls) + '\n')
print('%d distinct queries' % len(urls))
