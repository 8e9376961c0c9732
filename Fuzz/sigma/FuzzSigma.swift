// libFuzzer target for the Sigma rule reader: the input is a rule file's text (YAML, one or more
// documents), parsed into rules, correlations and filters, compiled into a rule set and run on a few
// events (an EVTX-shaped process creation, a flat Sysmon export, a Security logon). Any crash, hang,
// sanitizer report or runaway memory is a bug; a bad rule must only ever produce diagnostics.
import VigilCore
import VigilSigma

let events: EventBatch = {
    let documents = [
        ##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon"}},"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"host","TimeCreated":{"#attributes":{"SystemTime":"2024-01-01T00:00:00Z"}}},"EventData":{"Image":"C:\\Windows\\System32\\cmd.exe","CommandLine":"cmd.exe /c whoami & powershell -enc SQBFAFgA","ParentImage":"C:\\Windows\\explorer.exe","User":"CORP\\alice","IntegrityLevel":"High","Hashes":"SHA256=00ff,IMPHASH=AB12","DestinationIp":"10.1.2.3","DestinationPort":445}}}"##,
        ##"{"EventID":3,"Channel":"Microsoft-Windows-Sysmon/Operational","Image":"c:\\temp\\x.exe","DestinationIp":"192.168.1.20","DestinationPort":"4444","Initiated":"true","process":{"command_line":"x.exe -a"}}"##,
        ##"{"Event":{"System":{"EventID":4624,"Channel":"Security","Computer":"dc"},"EventData":{"LogonType":3,"TargetUserName":"bob","IpAddress":"::1","SubjectUserSid":"S-1-5-18"}}}"##,
    ]
    var bytes: [UInt8] = []
    var spans: [DocumentSpan] = []
    for (k, text) in documents.enumerated() {
        let start = bytes.count
        bytes += Array(text.utf8)
        spans.append(DocumentSpan(start: start, end: bytes.count, line: k + 1))
        bytes.append(0x0A)
    }
    return EventBatch(file: "events.json", bytes: bytes, documents: spans)
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let (documents, diagnostics) = RuleParser().parse(bytes: bytes, file: "fuzz.yml")
    for diagnostic in diagnostics { _ = diagnostic.description }
    let collection = RuleCollection(documents: documents)
    _ = collection.correlationDiagnostics
    let ruleSet = RuleSet(rules: collection.rules, filters: collection.filters, correlations: collection.correlations)
    for diagnostic in ruleSet.diagnostics { _ = diagnostic.description }
    let correlator = Correlator(correlations: ruleSet.correlations, rules: ruleSet.rules, mapping: ruleSet.mapping)
    let context = MatchContext(ruleSet: ruleSet)
    var tape = JSONTape()
    events.forEachEvent(tape: &tape) { _ in
    } _: { event, _ in
        ruleSet.detect(event, context: context, correlator: correlator) { _ in }
    }
    _ = correlator.evaluate()
    return 0
}
