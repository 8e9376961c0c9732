// The EVTX reader: file header, chunks, records, BinXML. (Being built.)
