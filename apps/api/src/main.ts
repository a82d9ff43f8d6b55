import '../../kizuna/src/register-paths';
import { startKizuna } from '../../kizuna/src/bootstrap';

// The HTTP api alone; run as many as you like behind a load balancer.
void startKizuna({ api: true, worker: false });
