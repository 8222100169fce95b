/** Patterns over interpreter source (python -c, node -e, perl -e ...): network use, shell-outs, file access, string literals. */

// Code of interpreter one-liners: does it talk to the network?
export const NET_CODE_RE = new RegExp(
  [
    String.raw`\b(?:requests|urllib[23]?|httplib2?|httpx|aiohttp|pycurl|smtplib|ftplib|telnetlib|paramiko|websockets?|xmlrpc|socketserver|asyncssh|grpc)\b`,
    String.raw`\bhttp\.(?:client|server)\b`,
    String.raw`\bsocket\b`,
    String.raw`\b(?:fetch|XMLHttpRequest|WebSocket|EventSource|sendBeacon)\s*\(`,
    String.raw`\bhttps?2?\.(?:request|get|post|connect|createServer)\b`,
    String.raw`\b(?:net|tls)\.(?:connect|createConnection|Socket|createServer)\b`,
    String.raw`\b(?:dgram|axios|undici|superagent|needle)\b`,
    String.raw`node-fetch`,
    String.raw`\bdns\.(?:resolve\w*|lookup)\b`,
    String.raw`\brequire\s*\(?\s*['"](?:node:)?(?:https?|http2|net|tls|dgram|dns|socket|net\/https?|open-uri|net\/ftp|net\/smtp)['"]`,
    String.raw`\bfrom\s+['"](?:node:)?(?:https?|http2|net|tls|dgram|dns)['"]`,
    String.raw`\bNet::(?:HTTPS?|FTP|SMTP|Telnet|SSH|SCP)\b`,
    String.raw`\bopen-uri\b|\bURI\.open\b|\b(?:TCPSocket|UDPSocket|Faraday|HTTParty|RestClient)\b`,
    String.raw`\bLWP\b|\bHTTP::(?:Tiny|Request|Lite)\b|\bIO::Socket\b|\bMojo::UserAgent\b|\bWWW::Mechanize\b|\bSocket\b`,
    String.raw`\b(?:curl_exec|curl_init|fsockopen|pfsockopen|stream_socket_client|socket_create|mail)\s*\(`,
    String.raw`\b(?:file_get_contents|fopen|readfile|file|copy|get_headers)\s*\(\s*['"](?:https?|ftps?):\/\/`,
    String.raw`\b(?:Invoke-WebRequest|Invoke-RestMethod|iwr|irm|Send-MailMessage|Test-NetConnection|Start-BitsTransfer)\b`,
    String.raw`\bNet\.(?:WebClient|Sockets|Http)\b|\bSystem\.Net\b|\b(?:WebClient|HttpClient)\b`,
    String.raw`\b(?:Deno\.connect(?:Tls)?|Bun\.connect|Bun\.serve|Deno\.serve)\b`,
    String.raw`\bsocket\.http\b|\bdownload\.file\b|\bhttr2?\b|\bRCurl\b|\bcurl::|\burl\s*\(\s*['"]https?:`,
    String.raw`\b(?:gethostbyname|getaddrinfo)\b`,
    // the client libraries of remote services (their calls are HTTP requests): an upload through an SDK leaves the machine
    String.raw`\b(?:import|from)\s+(?:anthropic|openai|boto3|botocore|google\.cloud|googleapiclient|slack_sdk|slack_bolt|stripe|twilio|sendgrid|github|gitlab|dropbox|firebase_admin|supabase|pinecone|cohere|mistralai|groq|huggingface_hub|azure\.\w+|discord|telegram|tweepy)\b`,
    String.raw`\brequire\s*\(\s*['"](?:@anthropic-ai\/sdk|openai|@aws-sdk\/[\w-]+|aws-sdk|@google-cloud\/[\w-]+|googleapis|@slack\/[\w-]+|stripe|twilio|@sendgrid\/[\w-]+|@octokit\/[\w-]+|@supabase\/[\w-]+)['"]`,
  ].join('|'),
);

export const SHELL_OUT_RE =
  /\b(?:os\.system|os\.popen|os\.exec\w*|os\.spawn\w*|subprocess|commands\.get\w*|pty\.spawn|child_process|execSync|execFileSync|spawnSync|exec|execFile|spawn|system|popen|shell_exec|passthru|proc_open|IO\.popen|Open3|qx|Start-Process|Invoke-Expression|iex|Deno\.Command|Deno\.run|Bun\.spawn)\b|do shell script|`|%x[({[]/;

export const CODE_OPEN_RE = /\bopen\s*\(\s*[rbfuRBFU]{0,2}(['"])([^'"\n]{1,500})\1(?:\s*,\s*(?:mode\s*=\s*)?(['"])([^'"\n]{0,10})\3)?/g;
export const CODE_READ_RE =
  /(?:readFileSync|readFile|createReadStream|read_text|read_bytes|file_get_contents|readfile|fopen|File\.read|File\.readlines|File\.binread|File\.open|File\.foreach|IO\.read|IO\.readlines|Bun\.file|Deno\.readTextFile(?:Sync)?|Deno\.readFile(?:Sync)?|Pathname|Path|Get-Content|ReadAllText|ReadAllBytes|read_csv|loadtxt|io\.open|codecs\.open)\s*\(?\s*[rbfuRBFU]{0,2}(['"`])([^'"`\n]{1,500})\1/g;
export const CODE_WRITE_RE =
  /(?:writeFileSync|writeFile|appendFileSync|appendFile|createWriteStream|write_text|write_bytes|file_put_contents|File\.write|IO\.write|Set-Content|Out-File|Add-Content|WriteAllText|Deno\.writeTextFile(?:Sync)?)\s*\(?\s*(['"`])([^'"`\n]{1,500})\1/g;
export const PERL_OPEN_RE = /\bopen\s*\(?\s*(?:my\s+|our\s+|local\s+)?[$*]?\w+\s*,\s*(['"])([^'"\n]{0,500})\1(?:\s*,\s*(['"])([^'"\n]{1,500})\3)?/g;
export const CODE_LITERAL_RE = /'((?:[^'\\\n]|\\.){1,4000})'|"((?:[^"\\\n]|\\.){1,4000})"|`([^`]{1,4000})`/g;
