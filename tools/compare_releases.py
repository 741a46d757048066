import json,sys
a=json.load(open(sys.argv[1]+'/release.json'));b=json.load(open(sys.argv[2]+'/release.json'))
fa={f['path']:f['sha256'] for f in a['files']};fb={f['path']:f['sha256'] for f in b['files']}
print('only in a',sorted(set(fa)-set(fb)));print('only in b',sorted(set(fb)-set(fa)))
d=[p for p in fa if p in fb and fa[p]!=fb[p]]
print('differ',d); print('same',len(fa)-len(d))
import pandas as pd
A,B=sys.argv[1],sys.argv[2]
for p in d:
    if p.endswith('.parquet'):
        x=pd.read_parquet(A+'/'+p);y=pd.read_parquet(B+'/'+p)
        cols=list(x.columns)
        x=x.round(6);y=y.round(6);x=x.sort_values(cols).reset_index(drop=True);y=y.sort_values(cols).reset_index(drop=True)
        print(p,'content equal after sort:',x.equals(y))
    elif p.endswith('.xlsx'):
        import openpyxl
        wa=openpyxl.load_workbook(A+'/'+p);wb=openpyxl.load_workbook(B+'/'+p)
        same=all([[c.value for c in r] for r in wa[s].iter_rows()]==[[c.value for c in r] for r in wb[s].iter_rows()] for s in wa.sheetnames) and wa.sheetnames==wb.sheetnames
        print(p,'cells equal:',same)
    elif p.endswith('run_log.json'):
        ja=json.load(open(A+'/'+p));jb=json.load(open(B+'/'+p))
        def strip(o):
            if isinstance(o,dict): return {k:strip(v) for k,v in o.items() if k not in ('seconds','started','finished','elapsed_seconds','duration_seconds','release','created')}
            if isinstance(o,list): return [strip(v) for v in o]
            return o
        print(p,'equal without times:',strip(ja)==strip(jb))
        if strip(ja)!=strip(jb):
            import difflib
            print('\n'.join(list(difflib.unified_diff(json.dumps(strip(ja),indent=1).split('\n'),json.dumps(strip(jb),indent=1).split('\n'),lineterm=''))[:40]))
